import { usePlatformAndBrowser, screenshot, NEW_PASSWORD } from './platform';

/* The admin console: forced password change, then the process definition and the regulations library. */

const run = usePlatformAndBrowser();

test('admin console: password change, 流程定义 with the transfer documents, 法律法规 with a repealed document', async () => {
  const page = await run.browser.context.newPage();
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(`${run.platform.baseUrl}/admin/`);
  await page.getByPlaceholder('请输入用户名').fill('sysadmin');
  await page.getByPlaceholder('请输入密码').fill(run.platform.demo.get('sysadmin')!);
  await page.getByRole('button', { name: /登\s*录/ }).click();

  // Forced change of the temporary password, with the contract's rules shown as the user types.
  await page.getByText('请先修改临时密码').waitFor();
  await page.getByText('欢迎，系统管理员').waitFor();
  await page.getByPlaceholder('请输入原密码').fill(run.platform.demo.get('sysadmin')!);
  await page.getByPlaceholder('请输入新密码').fill('abc');
  await page.getByText('长度不少于 8 位').waitFor();
  await page.getByText('须包含大写字母、小写字母、数字、符号中的至少三类').waitFor();
  await page.getByPlaceholder('请输入新密码').fill('Sysadmin#2026');
  await page.getByText('不得包含用户名').waitFor();
  await screenshot(page, 'admin-password', false);
  await page.getByPlaceholder('请输入新密码').fill(NEW_PASSWORD);
  await page.getByPlaceholder('请再次输入新密码').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: /确认修改/ }).click();

  // One menu with both pages.
  await page.getByRole('menuitem', { name: /流程定义/ }).waitFor();
  await expect(page.getByRole('menu').count()).resolves.toBe(1);
  await expect(page.getByRole('menuitem').count()).resolves.toBe(2);

  // 流程定义: the transfer with its five documents, roles, and who acts in each state.
  await page.getByRole('menuitem', { name: /流程定义/ }).click();
  const transfer = page.locator('.process-transitions tr', { hasText: '移送公安机关并备案' });
  await transfer.waitFor();
  const row = (await transfer.textContent()) ?? '';
  for (const doc of ['涉嫌犯罪案件移送书', '涉嫌犯罪案件情况的调查报告', '涉案物品清单', '有关检验报告或者鉴定结论', '其他有关涉嫌犯罪的材料']) {
    expect(row).toContain(doc);
  }
  expect(row).toContain('已批准移送');
  expect(row).toContain('已移送待签收');
  expect(row).toContain('执法机关承办人');
  const approve = (await page.locator('.process-transitions tr', { hasText: '批准移送' }).filter({ hasText: 'approve_transfer' }).textContent()) ?? '';
  expect(approve).toContain('批准后移送公安机关');
  expect(approve).toContain('24小时');
  const waiting = (await page.locator('.process-states tr', { hasText: 'transferred' }).first().textContent()) ?? '';
  expect(waiting).toContain('公安机关');
  await screenshot(page, 'admin-process', false);
  await transfer.scrollIntoViewIfNeeded();
  await screenshot(page, 'admin-process-transfer', false);

  // 法律法规: find 公通字〔2010〕23号 by its number; it has been repealed.
  await page.getByRole('menuitem', { name: /法律法规/ }).click();
  await page.locator('.ant-table-row').first().waitFor();
  await screenshot(page, 'admin-regulations-all', false);
  await page.getByPlaceholder(/关键字/).fill('公通字〔2010〕23号');
  await page.getByRole('button', { name: /搜\s*索/ }).click();
  const found = page.locator('.ant-table-row', { hasText: '公通字〔2010〕23号' });
  await found.waitFor();
  await expect(page.locator('.ant-table-row').count()).resolves.toBe(1);
  await expect(found.locator('.ant-tag', { hasText: '已废止' }).count()).resolves.toBe(1);
  await screenshot(page, 'admin-regulations');

  // The status filter narrows the list to what is repealed.
  await page.getByPlaceholder(/关键字/).fill('');
  await page.getByRole('button', { name: /搜\s*索/ }).click();
  await page.locator('.ant-select', { hasText: '效力状态' }).click();
  await page.locator('.ant-select-item-option', { hasText: '已废止' }).click();
  await page.locator('.ant-table-row', { hasText: '公通字〔2010〕23号' }).waitFor();
  const statuses = await page.locator('.ant-table-row .ant-tag').allTextContents();
  expect(statuses.filter((s) => ['现行有效', '已修改', '已废止'].includes(s)).every((s) => s === '已废止')).toBe(true);
  await page.close();
}, 120_000);
