export * from './types';
export { SMS_BATCH_MAX, assertBatchSize, assertSignName, isSendablePhone } from './limits';
export { PERMANENT_SMS_CODES, isRetryableSmsCode, smsCodeHint } from './codes';
export { ConsoleSmsDriver, maskSecrets, controllingTerminal, type ConsoleSentSms } from './console';
export { AliyunSmsDriver, type AliyunSmsOptions } from './aliyun';
