import { usePlatformAndBrowser, screenshot } from './platform';

const run = usePlatformAndBrowser();

/** Wrong passwords for an account name over the API (as a stranger would), until a delay is in force. */
async function failOverApi(username: string, times: number) {
  for (let i = 0; i < times; i++) {
    await fetch(`${run.platform.baseUrl}/api/v1/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: 'Wrong#Pass2026' }),
    });
  }
}

test('the demo accounts were printed once with generated temporary passwords', () => {
  expect(run.platform.demo.get('sysadmin')).toMatch(/^\S{12}$/);
  expect(new Set(run.platform.demo.values()).size).toBe(run.platform.demo.size);
});

describe('H5 (phones and desktop browsers)', () => {
  test('Chinese login screen: empty fields, a wrong password, then a temporary password', async () => {
    const page = await run.browser.context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${run.platform.baseUrl}/h5/`);
    await page.getByText('两法衔接平台').first().waitFor();
    const submit = page.locator('.login__submit');
    await submit.click();
    await page.getByText('请输入用户名').last().waitFor();

    await page.locator('.login__input input').nth(0).fill('sysadmin');
    await page.locator('.login__input input').nth(1).fill('Wrong#Pass2026');
    await submit.click();
    await page.getByText('用户名或密码错误', { exact: false }).waitFor();

    await page.locator('.login__input input').nth(1).fill(run.platform.demo.get('sysadmin')!);
    await submit.click();
    await page.getByText('欢迎，系统管理员').waitFor();
    await page.getByText('请先修改临时密码').waitFor();
    await screenshot(page, 'h5-login');
    await page.close();
  });
});

describe('admin console', () => {
  test('Chinese login screen: validation, a wrong password, then a temporary password', async () => {
    const page = await run.browser.context.newPage();
    await page.goto(`${run.platform.baseUrl}/admin/`);
    await page.getByText('平台管理后台').waitFor();
    await page.getByRole('button', { name: /登\s*录/ }).click();
    await page.getByText('请输入用户名').last().waitFor();

    await page.getByPlaceholder('请输入用户名').fill('secadmin');
    await page.getByPlaceholder('请输入密码').fill('Wrong#Pass2026');
    await page.getByRole('button', { name: /登\s*录/ }).click();
    await page.getByText('用户名或密码错误', { exact: false }).waitFor();

    await page.getByPlaceholder('请输入密码').fill(run.platform.demo.get('secadmin')!);
    await page.getByRole('button', { name: /登\s*录/ }).click();
    await page.getByText('欢迎，安全管理员').waitFor();
    await page.getByText('请先修改临时密码').waitFor();
    await screenshot(page, 'admin-login');
    await page.close();
  });
});

describe('after repeated failures (issue 7, item 12)', () => {
  test('H5: the delay is shown in Chinese and the button waits it out; an unknown name reads the same', async () => {
    const page = await run.browser.context.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${run.platform.baseUrl}/h5/`);
    // The first test left a session in this browser's storage: start logged out.
    await page.evaluate(() => localStorage.clear());
    await page.reload();
    const submit = page.locator('.login__submit');
    await page.locator('.login__input input').nth(0).fill('ghost.h5');
    await page.locator('.login__input input').nth(1).fill('Wrong#Pass2026');
    for (let i = 0; i < 3; i++) {
      const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login'));
      await submit.click();
      expect((await answer).status()).toBe(401);
      await page.getByText('用户名或密码错误', { exact: true }).waitFor();
    }
    await submit.click();
    await page.getByText('用户名或密码错误；登录失败次数较多，请 2 秒后再试').waitFor();
    await page.getByText(/请稍候（[12] 秒）/).waitFor();
    await screenshot(page, 'h5-login-delay');
    await page.locator('.login__submit', { hasText: /^\s*登录\s*$/ }).waitFor({ timeout: 5000 });

    // A name already slowed down (by someone else): the 429 answer.
    await failOverApi('ghost.h5.two', 4);
    await page.locator('.login__input input').nth(0).fill('ghost.h5.two');
    await submit.click();
    await page.getByText(/^登录失败次数较多，请 [12] 秒后再试$/).waitFor();
    await page.close();
  });

  test('admin console: the same answers, and the button counts the wait down', async () => {
    const page = await run.browser.context.newPage();
    await page.goto(`${run.platform.baseUrl}/admin/`);
    await page.getByPlaceholder('请输入用户名').fill('ghost.admin');
    await page.getByPlaceholder('请输入密码').fill('Wrong#Pass2026');
    const login = page.getByRole('button', { name: /登\s*录/ });
    for (let i = 0; i < 3; i++) {
      const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login'));
      await login.click();
      expect((await answer).status()).toBe(401);
      await page.getByText('用户名或密码错误', { exact: true }).waitFor();
    }
    await login.click();
    await page.getByText('用户名或密码错误；登录失败次数较多，请 2 秒后再试').waitFor();
    const waiting = page.getByRole('button', { name: /请稍候（[12] 秒）/ });
    await waiting.waitFor();
    expect(await waiting.isDisabled()).toBe(true);
    await screenshot(page, 'admin-login-delay');
    await login.waitFor({ timeout: 5000 });

    await failOverApi('ghost.admin.two', 4);
    await page.getByPlaceholder('请输入用户名').fill('ghost.admin.two');
    await login.click();
    await page.getByText(/^登录失败次数较多，请 [12] 秒后再试$/).waitFor();
    await page.close();
  });
});
