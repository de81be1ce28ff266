/** One text message to one number. */
export interface SmsMessage {
  phone: string;
  /** The provider's template code, e.g. `SMS_123456789`. */
  templateCode: string;
  /** Values for the template's `${var}` placeholders; Aliyun accepts strings only. */
  params: Record<string, string>;
  /** The rendered Chinese text, for the console driver and the delivery log. */
  text: string;
  /** Values in the text that must never reach a log (a temporary password). */
  secrets?: string[];
  /**
   * Our reference for this send (Aliyun's OutId), recorded on the outbox row before the call, so
   * the provider can later tell whether it went out (QuerySendDetails).
   */
  outId?: string;
}

/** One entry of a batch: same template, its own number and parameters. */
export interface SmsBatchItem {
  phone: string;
  params: Record<string, string>;
  text: string;
  secrets?: string[];
}

/** Did the message with this OutId go out to this number? */
export interface SmsQuery {
  phone: string;
  outId: string;
  /** Asia/Shanghai days ('YYYY-MM-DD') on which it may have been sent. */
  days: string[];
}

export type SmsCheck =
  /** The provider has it. Aliyun's answer carries no BizId, so `providerId` may be null. */
  | { state: 'sent'; providerId: string | null; at: Date | null; detail: string }
  /** The provider has no such message: sending it again cannot make a second copy. */
  | { state: 'not_sent' }
  /** Cannot tell now; `final` when asking again will never tell either. Never a reason to re-send. */
  | { state: 'unknown'; final: boolean; code: string; message: string };

/**
 * What became of one send call. Drivers return this for every answer of the provider and for
 * timeouts and network errors alike; they throw only when the caller broke the contract
 * (e.g. a batch over the limit).
 */
export interface SmsResult {
  ok: boolean;
  /** Aliyun's BizId (one for a whole batch); `console-<uuid>` for the console driver. */
  providerId: string | null;
  /** `'OK'`, the provider's code, or one of SMS_LOCAL_CODES. */
  code: string;
  /** Chinese, for people; never holds a full phone number or a secret. */
  message: string;
  /** Trying the same message again later may succeed without anyone changing anything. */
  retryable: boolean;
  /**
   * The provider may have taken the message although we got no acceptance (a timeout, a lost
   * answer): it is checked with `query` before any second attempt.
   */
  uncertain?: boolean;
}

export interface SmsDriver {
  readonly name: 'console' | 'aliyun';
  send(msg: SmsMessage): Promise<SmsResult>;
  /** Up to SMS_BATCH_MAX items, one template, different numbers and parameters, one OutId for the call. */
  sendBatch(templateCode: string, items: SmsBatchItem[], outId?: string): Promise<SmsResult>;
  /** Ask the provider whether a message went out; never throws. */
  query(q: SmsQuery): Promise<SmsCheck>;
}

/** Codes the drivers use when the provider gave no code of its own. */
export const SMS_LOCAL_CODES = {
  /** Connect or read timeout: the message may or may not have gone out. */
  TIMEOUT: 'TIMEOUT',
  /** Connection refused or reset, DNS failure: nothing reached the provider or the answer was lost. */
  NETWORK_ERROR: 'NETWORK_ERROR',
  /** The answer was not the JSON Aliyun sends (typically a proxy's error page). */
  BAD_RESPONSE: 'BAD_RESPONSE',
  /** Refused here before any request: the number cannot be sent as given. */
  INVALID_PHONE: 'INVALID_PHONE',
  /** Anything else the SDK threw. */
  SDK_ERROR: 'SDK_ERROR',
  /** The driver cannot know whether an earlier message went out (the console driver after a restart). */
  UNKNOWN_SEND: 'UNKNOWN_SEND',
} as const;
