// Production entry: `npm start` builds first, then runs this.
const { Bootstrap } = require('@midwayjs/bootstrap');
Bootstrap.configure({ baseDir: __dirname + '/dist' }).run();
