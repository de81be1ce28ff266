// Sends one account message through the console SMS driver in a process of its own, so a test
// can see what reaches stdout, stderr and the terminal. With RECORD_STDIO=<file>, a copy of every
// write to stdout and stderr is appended there (what a redirect or a log collector would get).
require('./register');
const fs = require('fs');

const record = process.env.RECORD_STDIO;
if (record) {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = (chunk, ...rest) => {
      fs.appendFileSync(record, chunk);
      return write(chunk, ...rest);
    };
  }
}

const { ConsoleSmsDriver } = require('../../src/modules/reminders/sms/console.ts');
const secret = process.env.SECRET;
new ConsoleSmsDriver()
  .send({
    phone: '13800000000', templateCode: 'SMS_LFXJ_ACCOUNT', params: { username: 'newbie', password: secret },
    text: `您的两法衔接平台账号 newbie 已开通，临时密码 ${secret}，首次登录须修改。`, secrets: [secret],
  })
  .then(() => console.log(`STDOUT_IS_TTY=${Boolean(process.stdout.isTTY)}`));
