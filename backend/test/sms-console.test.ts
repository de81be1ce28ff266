import { execFile } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { ConsoleSmsDriver, maskSecrets } from '../src/modules/reminders/sms';
import { startCluster, call, loginTo, eventually, type Cluster } from './support-cluster';
import type { ChildApp } from './support-process';

/**
 * The console SMS driver never writes a secret (a temporary password) to stdout, stderr or a
 * log file; it shows it in full only on the interactive terminal it runs on (/dev/tty).
 */
const run = promisify(execFile);
const CHILD = path.join(__dirname, 'child/console-sms.js');
const SECRET = 'Tmp#9xQ2vLp7';

describe('ConsoleSmsDriver and secrets', () => {
  test('the printed line masks the secret; the terminal (when there is one) gets the full text; the in-memory list keeps it', async () => {
    const printed: string[] = [];
    const terminal: string[] = [];
    const d = new ConsoleSmsDriver((l) => printed.push(l), (l) => terminal.push(l));
    await d.send({ phone: '13800000000', templateCode: 'T', params: { password: SECRET }, text: `临时密码 ${SECRET}，请修改`, secrets: [SECRET] });
    expect(printed).toEqual(['[短信] 138****0000 T：临时密码 ******，请修改']);
    expect(terminal).toHaveLength(1);
    expect(terminal[0]).toContain(`临时密码 ${SECRET}，`);
    expect(d.sent[0].text).toContain(SECRET);
    // A message without secrets goes to the printed line only.
    await d.send({ phone: '13800000000', templateCode: 'T', params: {}, text: '案件办理提醒' });
    expect(terminal).toHaveLength(1);

    const noTerminal = new ConsoleSmsDriver((l) => printed.push(l), null);
    await noTerminal.send({ phone: '13800000001', templateCode: 'T', params: { password: SECRET }, text: `临时密码 ${SECRET}`, secrets: [SECRET] });
    expect(printed.join('\n')).not.toContain(SECRET);
    expect(maskSecrets('ab abc abcd', ['abc', 'abcd'])).toBe('ab ****** ******');
  });

  test('a process whose output is piped (a service, a redirect) never prints the secret', async () => {
    const { stdout, stderr } = await run(process.execPath, [CHILD], { env: { ...process.env, SECRET } });
    expect(stdout).toContain('STDOUT_IS_TTY=false');
    expect(stdout).toContain('临时密码 ******，');
    expect(stdout + stderr).not.toContain(SECRET);
  });

  test('on an interactive terminal the secret shows on the terminal, still never through stdout or stderr', async () => {
    const record = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lfxj-tty-')), 'stdio.txt');
    // util-linux `script` gives the child a pseudo-terminal and copies what appears on it to its own stdout.
    const { stdout: screen } = await run('script', ['-qefc', `${JSON.stringify(process.execPath)} ${JSON.stringify(CHILD)}`, '/dev/null'], {
      env: { ...process.env, SECRET, RECORD_STDIO: record },
    });
    const written = fs.readFileSync(record, 'utf8');
    expect(written).toContain('STDOUT_IS_TTY=true');
    expect(written).toContain('临时密码 ******，');
    expect(written).not.toContain(SECRET);
    expect(screen).toContain(`临时密码 ${SECRET}，`);
    fs.rmSync(path.dirname(record), { recursive: true, force: true });
  });
});

describe('the server (console driver) does not log temporary passwords', () => {
  let cluster: Cluster;
  let app: ChildApp;
  beforeAll(async () => {
    cluster = await startCluster();
    app = await cluster.start({ REMINDERS_ENABLED: 'false', AUDIT_SEAL_SECONDS: '0', LOG_LEVEL: 'info' });
    await cluster.user('ft.admin', 'SZ-FT-SCJG', ['org_admin'], '13800009999');
  });
  afterAll(() => cluster.destroy());

  test('an account created over HTTP: its SMS shows in the server output masked, and no log holds the password', async () => {
    const admin = await loginTo(app, 'ft.admin');
    const org = (await cluster.sql("SELECT id FROM organisation WHERE code = 'SZ-FT-SCJG'"))[0];
    const created = await call<{ id: number }>(app, 'POST', '/users', {
      username: 'console.newbie', displayName: '新同事', orgId: Number(org.id), phone: '13912340000', roles: ['agency_officer'],
    }, admin);
    expect(created.status).toBe(200);
    const line = await eventually('the SMS line', async () => app.output().split('\n').find((l) => l.includes('139****0000')));
    expect(line).toMatch(/临时密码 \*{6}，/);
    // Whatever the password was, it appears nowhere in stdout, stderr or the log files.
    for (const text of [app.output(), app.logs()]) expect(text).not.toMatch(/临时密码 (?!\*{6})/);
    const [row] = await cluster.sql("SELECT status, params, text FROM reminder WHERE kind = 'account' AND phone = '13912340000'");
    expect(row.status).toBe('sent');
    expect(row.params).toBe('{}');
  });
});
