import { usePlatformAndBrowser, screenshot } from './platform';

const run = usePlatformAndBrowser();

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
