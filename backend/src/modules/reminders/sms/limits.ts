/** Aliyun's limits for dysmsapi 2017-05-25 that the drivers check before sending. */

/** SendBatchSms takes at most this many numbers, each with its own parameters. */
export const SMS_BATCH_MAX = 100;

/** Digits with an optional `+` / `00` country prefix; no commas, which would split one SendSms into several. */
const PHONE = /^(?:\+|00)?\d{5,20}$/;

export function isSendablePhone(phone: string): boolean {
  return PHONE.test(phone);
}

/** Aliyun adds the 【】 itself and accepts 2–12 characters; refuse anything else at start-up. */
export function assertSignName(signName: string): string {
  if (typeof signName !== 'string' || signName.trim() !== signName || signName === '') {
    throw new Error('短信签名不能为空，且首尾不能有空格');
  }
  if (/[【】]/.test(signName)) {
    throw new Error(`短信签名不要带【】（阿里云发送时自动加上）：${signName}`);
  }
  const length = [...signName].length;
  if (length < 2 || length > 12) {
    throw new Error(`短信签名须为 2–12 个字符，当前 ${length} 个：${signName}`);
  }
  return signName;
}

/** A batch over the limit is a bug in the caller (it must split), not a provider answer: throw. */
export function assertBatchSize(count: number): void {
  if (count < 1) throw new RangeError('批量短信至少要有 1 条');
  if (count > SMS_BATCH_MAX) throw new RangeError(`批量短信每次最多 ${SMS_BATCH_MAX} 条，当前 ${count} 条，请分批发送`);
}
