// Production entry: `npm start` builds first, then runs this.
const { Bootstrap } = require('@midwayjs/bootstrap');
Bootstrap.configure({ baseDir: __dirname + '/dist' }).run().catch((err) => {
  // A platform that cannot start (port taken, database refused, bad settings) says why and exits.
  console.error(`两法衔接平台未能启动：${err && err.message}`);
  process.exit(1);
});
