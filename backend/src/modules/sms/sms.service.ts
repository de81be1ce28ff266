import { Provide, Scope, ScopeEnum, Inject, ILogger, Logger } from '@midwayjs/core';
import { maskPhone } from '@lfxj/contracts';
import { Clock } from '../../common/clock';

export interface SmsMessage {
  phone: string;
  text: string;
  at: Date;
}

/**
 * Text messages. The console driver (the default) prints each message with the number
 * masked and keeps the last few in memory for the developer and the tests. The Aliyun
 * driver and the outbox with retries arrive with the reminders.
 */
@Provide()
@Scope(ScopeEnum.Singleton)
export class SmsService {
  @Logger() private logger: ILogger;
  @Inject() private clock: Clock;
  readonly recent: SmsMessage[] = [];

  async send(phone: string, text: string): Promise<void> {
    const message = { phone, text, at: this.clock.now() };
    this.recent.push(message);
    if (this.recent.length > 100) this.recent.shift();
    this.logger.info('[短信] 发送至 %s：%s', maskPhone(phone), text);
  }
}
