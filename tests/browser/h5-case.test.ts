import * as fs from 'fs';
import * as path from 'path';
import type { Locator, Page } from 'playwright-core';
import { usePlatformAndBrowser, ARTIFACTS, ApiClient, NEW_PASSWORD, pdf } from './platform';

/*
 * The H5 build on a phone: an agency officer transfers a case to the police with the five
 * documents the law asks for, the police see it in their inbox and sign the receipt, and the
 * agency reads the police's receipt among its 通报. Steps before the transfer go through the API.
 */

const run = usePlatformAndBrowser();

const PHONE = { width: 390, height: 844 };

/**
 * Taro scrolls inside the page element, not the document: grow the viewport to the page's
 * height for the picture so that the whole screen is on it, then go back to the phone's size.
 */
async function shot(page: Page, name: string) {
  await page.waitForTimeout(1600); // let a toast fade
  const height = await page.evaluate(() => {
    const current = Array.from(document.querySelectorAll<HTMLElement>('.taro_page')).filter((e) => e.offsetHeight > 0);
    const tabbar = document.querySelector<HTMLElement>('.taro-tabbar__tabbar:not(.taro-tabbar__tabbar-hide)');
    return Math.max(window.innerHeight, ...current.map((e) => e.scrollHeight + (tabbar?.offsetHeight ?? 0)));
  });
  await page.setViewportSize({ width: PHONE.width, height: Math.min(height, 5000) });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`) });
  await page.setViewportSize(PHONE);
}
/** Taro keeps pages it navigated away from in the DOM (hidden): look only at what the user sees. */
const seen = (locator: Locator) => locator.filter({ visible: true }).first();
const text = (page: Page, value: string | RegExp) => seen(page.getByText(value));

const TRANSFER_DOCS: Array<[string, string]> = [
  ['transfer_letter', '涉嫌犯罪案件移送书'],
  ['investigation_report', '涉嫌犯罪案件情况的调查报告'],
  ['evidence_list', '涉案物品清单'],
  ['expert_report', '有关检验报告或者鉴定结论'],
  ['other', '其他有关涉嫌犯罪的材料'],
];

async function login(page: Page, username: string, password: string) {
  await page.goto(`${run.platform.baseUrl}/h5/`);
  await seen(page.locator('.login__input input')).waitFor();
  await page.locator('.login__input input').nth(0).fill(username);
  await page.locator('.login__input input').nth(1).fill(password);
  await page.locator('.login__submit').click();
}

/** First login with the printed temporary password: the app insists on a new one first. */
async function firstLogin(page: Page, username: string, name: string) {
  await login(page, username, run.platform.demo.get(username)!);
  await text(page, '请先修改临时密码').waitFor();
  await text(page, `欢迎，${name}`).waitFor();
  // The contract's password rules show as the user types.
  await page.locator('.pw-new input').fill('abc');
  await text(page, '长度不少于 8 位').waitFor();
  await text(page, '须包含大写字母、小写字母、数字、符号中的至少三类').waitFor();
  await page.locator('.pw-new input').fill(`${username}#A2026x`);
  await text(page, '不得包含用户名').waitFor();
  if (username === 'ft.scjg') await shot(page, 'h5-password');
  await page.locator('.pw-old input').fill(run.platform.demo.get(username)!);
  await page.locator('.pw-new input').fill(NEW_PASSWORD);
  await text(page, '符合密码规则').waitFor();
  await page.locator('.pw-confirm input').fill(NEW_PASSWORD);
  await page.locator('.pw-submit').click();
  await seen(page.locator('.inbox__counts')).waitFor();
}

async function logout(page: Page) {
  await seen(page.locator('.weui-tabbar__item', { hasText: '待办' })).click();
  await seen(page.locator('.userbar__logout')).click();
  await seen(page.locator('.login__submit')).waitFor();
}

test('phone: transfer to the police with five documents, the police sign the receipt, the agency is told', async () => {
  const page = await run.browser.context.newPage();
  await page.setViewportSize(PHONE);

  // The agency officer's first login: forced password change, then an empty inbox.
  await firstLogin(page, 'ft.scjg', '福田市场监管承办人');
  await text(page, '暂无待办事项').waitFor();
  await shot(page, 'h5-inbox-empty');

  // Record the case, report it and have the head approve it, over the API with the changed passwords.
  const agency = await ApiClient.login(run.platform.baseUrl, 'ft.scjg', NEW_PASSWORD);
  const head = await ApiClient.ready(run.platform, 'ft.scjg.head');
  const created = await agency.call<{ id: number; platformNo: string }>('POST', '/cases', {
    agencyCaseNo: '深福市监罚〔2026〕88号', title: '某某贸易有限公司销售假冒注册商标的商品案', suspectedOffence: '销售假冒注册商标的商品罪',
    amountInvolved: '168000.00', facts: '经查，当事人在福田区某商场销售假冒注册商标的运动鞋，货值金额十六万八千元。',
    parties: [{ kind: 'person', name: '张某某', idNumber: '440301199001011234' }, { kind: 'company', name: '某某贸易有限公司' }],
  });
  await agency.step(created.id, 'submit_report', ['transfer_report']);
  expect((await head.step(created.id, 'approve_transfer')).state).toBe('approved');

  // The task to transfer within 24 hours is in the inbox, with its legal basis on tap.
  await page.reload();
  const task = seen(page.locator('.task', { hasText: created.platformNo }));
  await task.waitFor();
  await expect(task.textContent()).resolves.toContain('已批准移送');
  await expect(task.textContent()).resolves.toContain('向公安机关移送');
  expect(await task.locator('.task__due-time').textContent()).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
  await task.locator('.task__basis-toggle').click();
  await seen(task.locator('.task__basis', { hasText: '24小时内向同级公安机关移送' })).waitFor();
  await expect(seen(page.locator('.inbox-total')).textContent()).resolves.toBe('1');
  await shot(page, 'h5-inbox');

  // Open the case; the transfer asks for its five documents.
  await task.locator('.task__title').click();
  await text(page, '可办理的操作').waitFor();
  await text(page, '440***********1234').waitFor(); // ID numbers arrive masked
  await seen(page.locator('.actions__button[data-action="transfer"]')).click();
  const form = seen(page.locator('.action-form'));
  await form.waitFor();
  await form.locator('.action-form__submit').click();
  await seen(form.locator('.action-form__error', { hasText: '请上传必需文书' })).waitFor();
  for (const [type, label] of TRANSFER_DOCS) {
    const req = form.locator(`.doc-req[data-doctype="${type}"]`);
    await expect(req.textContent()).resolves.toContain(label);
    await req.locator('input[type=file]').setInputFiles({ name: `${label}.pdf`, mimeType: 'application/pdf', buffer: pdf(label) });
    await req.locator('.doc-req__name', { hasText: `${label}.pdf` }).waitFor();
  }
  await shot(page, 'h5-transfer-form');
  await form.locator('.action-form__submit').click();
  await seen(page.locator('.case__state', { hasText: '已移送待签收' })).waitFor();
  const transferEvent = seen(page.locator('.timeline__item[data-transition="transfer"]'));
  await expect(transferEvent.locator('.timeline__doc').count()).resolves.toBe(5);
  await seen(page.locator('.filing', { hasText: '待检察院签收' })).waitFor();
  await shot(page, 'h5-case-transferred');
  await page.goBack();
  await logout(page);

  // The police officer's first login; the transfer is waiting in 待办.
  await firstLogin(page, 'ft.police', '福田分局承办人');
  const policeTask = seen(page.locator('.task', { hasText: created.platformNo }));
  await policeTask.waitFor();
  await expect(policeTask.textContent()).resolves.toContain('签收移送案件');
  await shot(page, 'h5-police-inbox');
  await policeTask.locator('.task__title').click();

  // The timeline shows the transfer by the agency with its documents, each downloadable.
  const event = seen(page.locator('.timeline__item[data-transition="transfer"]'));
  await event.waitFor();
  const eventText = (await event.textContent()) ?? '';
  expect(eventText).toContain('移送公安机关并备案');
  expect(eventText).toContain('深圳市市场监督管理局福田监管局');
  for (const [, label] of TRANSFER_DOCS) expect(eventText).toContain(`${label}.pdf`);
  const [download] = await Promise.all([page.waitForEvent('download'), event.locator('.timeline__download').first().click()]);
  const file = await download.path();
  expect(fs.readFileSync(file).subarray(0, 8).toString()).toBe('%PDF-1.4');

  // Sign the receipt (回执).
  await seen(page.locator('.actions__button[data-action="sign_receipt"]')).click();
  const receiptForm = seen(page.locator('.action-form'));
  await receiptForm.locator('.doc-req[data-doctype="receipt"] input[type=file]')
    .setInputFiles({ name: '回执.pdf', mimeType: 'application/pdf', buffer: pdf('回执') });
  await receiptForm.locator('.doc-req__name', { hasText: '回执.pdf' }).waitFor();
  await receiptForm.locator('.action-form__reason textarea').fill('已签收，材料齐全。');
  await receiptForm.locator('.action-form__submit').click();
  await seen(page.locator('.case__state', { hasText: '已受理待决定' })).waitFor();
  await seen(page.locator('.timeline__item[data-transition="sign_receipt"]')).waitFor();
  await shot(page, 'h5-police-case');

  // 转送 asks for the competent police body: a picker of the police organisations (opened, then cancelled).
  await seen(page.locator('.actions__button[data-action="forward_to_competent"]')).click();
  const forward = seen(page.locator('.action-form'));
  await forward.locator('.action-form__submit').click();
  await seen(forward.locator('.action-form__error', { hasText: '请上传必需文书' })).waitFor();
  await forward.locator('.field__picker', { hasText: '请选择公安机关' }).click();
  await seen(page.locator('.weui-picker__item', { hasText: '分局' })).waitFor();
  await shot(page, 'h5-forward-picker');
  await seen(page.locator('.weui-picker__action', { hasText: '确定' })).click();
  const chosen = (await forward.locator('.field__picker').first().textContent()) ?? '';
  expect(chosen).toMatch(/公安/);
  expect(chosen).not.toContain('福田分局'); // not the body that holds the case
  await forward.locator('.action-form__cancel').click();
  await seen(page.locator('.actions__button[data-action="forward_to_competent"]')).waitFor();
  await page.goBack();
  await logout(page);

  // The procuratorate signs the filing (备案) over the API.
  const procurator = await ApiClient.ready(run.platform, 'ft.jcy');
  const filings = await procurator.call<{ items: Array<{ id: number; caseId: number }> }>('GET', '/filings?signed=false');
  const filing = filings.items.find((f) => f.caseId === created.id)!;
  await procurator.call('POST', `/filings/${filing.id}/sign`);

  // The agency's 通报: the police's receipt, unread, and the signed filing.
  await login(page, 'ft.scjg', NEW_PASSWORD);
  await seen(page.locator('.inbox__counts')).waitFor();
  await seen(page.locator('.weui-tabbar__item', { hasText: '通报' })).click();
  const receipt = seen(page.locator('.notice', { hasText: '签收（回执）' }));
  await receipt.waitFor();
  expect(await receipt.getAttribute('class')).toContain('notice--unread');
  await expect(receipt.textContent()).resolves.toContain('已签收，材料齐全。');
  await seen(page.locator('.notice', { hasText: '备案已签收' })).waitFor();
  const unreadBefore = Number(await seen(page.locator('.notices-unread')).textContent());
  expect(unreadBefore).toBeGreaterThanOrEqual(2);
  await shot(page, 'h5-notices');

  // Reading it opens the case and clears its marker.
  await receipt.click();
  await seen(page.locator('.case__state', { hasText: '已受理待决定' })).waitFor();
  await seen(page.locator('.filing', { hasText: '已签收' })).waitFor();
  // Taro's router hides the page left behind when its leave animation ends (a timer that a quick
  // "back" does not cancel, leaving that page blank): a person never taps back that fast, so wait for it.
  await page.locator('.taro_page.taro_page_shade[id^="/pages/notices/index"]').waitFor({ state: 'attached' });
  await page.goBack();
  await seen(page.locator('.notice', { hasText: '签收（回执）' })).waitFor();
  await expect(seen(page.locator('.notices-unread')).textContent()).resolves.toBe(String(unreadBefore - 1));
  await page.close();
}, 240_000);

test('phone: record a case in the UI, find it under 案件, and a concurrent change answers with a clear conflict', async () => {
  const page = await run.browser.context.newPage();
  await page.setViewportSize(PHONE);
  await page.goto(`${run.platform.baseUrl}/h5/`);
  await page.evaluate(() => localStorage.clear());
  await login(page, 'ft.scjg', NEW_PASSWORD);
  await seen(page.locator('.inbox__counts')).waitFor();

  // An access token the server no longer accepts (401 TOKEN_INVALID) is renewed once with the refresh token.
  const stored = (key: string) => page.evaluate((k) => (JSON.parse(localStorage.getItem(k) ?? '{}') as { data?: string }).data, key);
  const refreshBefore = await stored('lfxj.refreshToken');
  await page.evaluate(() => localStorage.setItem('lfxj.accessToken', JSON.stringify({ data: 'expired.access.token' })));
  await page.reload();
  await seen(page.locator('.inbox__counts')).waitFor();
  await seen(page.locator('.inbox-total', { hasText: /^\d+$/ })).waitFor();
  expect(await stored('lfxj.accessToken')).not.toBe('expired.access.token');
  expect(await stored('lfxj.refreshToken')).not.toBe(refreshBefore);

  // 案件: the list with its filters, and the entry to record a new case.
  await seen(page.locator('.weui-tabbar__item', { hasText: '案件' })).click();
  await seen(page.locator('.case-card')).waitFor();
  await seen(page.locator('.cases__total', { hasText: '共 1 件' })).waitFor();
  await shot(page, 'h5-cases');
  await text(page, '登记案件').click();

  // The form's labels come from the contract.
  const form = seen(page.locator('.case-new'));
  await form.waitFor();
  await expect(form.textContent()).resolves.toContain('执法机关案件编号');
  await form.locator('.field__input input').nth(0).fill('深福市监罚〔2026〕99号');
  await form.locator('.field__input input').nth(1).fill('某某食品店销售不符合安全标准的食品案');
  await form.locator('.field__input input').nth(2).fill('销售不符合安全标准的食品罪');
  await form.locator('.field__input input').nth(3).fill('52000.50');
  await form.locator('.field__textarea textarea').nth(0).fill('经抽检，当事人销售的食品中检出禁用物质。');
  await form.locator('.party .field__input input').nth(0).fill('李某某');
  await form.locator('.party .field__input input').nth(1).fill('440304198502023456');
  await shot(page, 'h5-case-new');
  await form.locator('.btn').click();
  await seen(page.locator('.case__state', { hasText: '登记' })).waitFor();
  await text(page, '440***********3456').waitFor();
  const platformNo = (await seen(page.locator('.case__no')).textContent())!;

  // Someone else changes the case while the form is open: the submit is refused with the reason.
  await seen(page.locator('.actions__button[data-action="submit_report"]')).click();
  const action = seen(page.locator('.action-form'));
  await action.locator('.doc-req[data-doctype="transfer_report"] input[type=file]')
    .setInputFiles({ name: '移送报告.pdf', mimeType: 'application/pdf', buffer: pdf('移送报告') });
  await action.locator('.doc-req__name', { hasText: '移送报告.pdf' }).waitFor();
  const agency = await ApiClient.login(run.platform.baseUrl, 'ft.scjg', NEW_PASSWORD);
  const found = await agency.call<{ items: Array<{ id: number }> }>('GET', `/cases?no=${encodeURIComponent(platformNo)}`);
  await agency.step(found.items[0].id, 'refer_lead', [], { reason: '当事人反映有公职人员参与，移送线索。' });
  await action.locator('.action-form__submit').click();
  await seen(action.locator('.action-form__error', { hasText: '案件已被更新' })).waitFor();
  await shot(page, 'h5-conflict');

  // After a refresh the uploaded report is offered again and the step goes through.
  await seen(page.locator('.link', { hasText: '刷新案件后重试' })).click();
  await seen(page.locator('.timeline__item[data-transition="refer_lead"]')).waitFor();
  await seen(page.locator('.actions__button[data-action="submit_report"]')).click();
  const again = seen(page.locator('.action-form'));
  await again.locator('.doc-req__name', { hasText: '移送报告.pdf' }).waitFor();
  await again.locator('.action-form__submit').click();
  await seen(page.locator('.case__state', { hasText: '待负责人审批' })).waitFor();
  await page.close();
}, 120_000);
