import { withDataSource, main } from './run';
import { verifyChain } from '../modules/audit/audit.service';
import { Db } from '../common/db';
import type { VerifyResult } from '@lfxj/contracts';

/** `npm run audit:verify`: exit 0 when the chain is intact, 1 with the first broken row otherwise. */
export async function auditVerify(print: (line: string) => void = console.log): Promise<VerifyResult> {
  const result = await withDataSource((ds) => verifyChain(Db.over(ds)));
  if (result.ok) print(`审计日志校验通过：已封存 ${result.checked} 条，待封存 ${result.unsealed} 条。`);
  else print(`审计日志校验失败：第一条异常记录编号 ${result.firstBrokenId}，原因：${result.reason}（此前 ${result.checked} 条完好）。`);
  return result;
}

if (require.main === module) main(async () => ((await auditVerify()).ok ? 0 : 1));
