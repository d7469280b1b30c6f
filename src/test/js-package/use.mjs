// Run from a project that installed the packed package: imports it by its name, as a user would,
// and uses its HTTP side against the gateway at process.argv[2]. Prints what it saw as JSON.
import { CodeActApi, CodeActError } from '@codeact/client';

const api = new CodeActApi({ url: process.argv[2] });
const seen = {};
const { id } = await api.createSession();
seen.value = (await api.execute(id, '6 * 7')).value;
seen.streamed = [];
for await (const e of api.executeStream(id, 'import time\nfor i in range(3):\n    print(i)\n    time.sleep(0.05)')) {
  seen.streamed.push(e.event === 'output' ? e.text : e.event);
}
seen.uploaded = (await api.upload(id, 'data.csv', 'a,b\n1,2\n')).map((f) => f.name);
await api.execute(id, "open('copy.csv', 'w').write(open('data.csv').read())");
seen.downloaded = await (await api.download(id, 'copy.csv')).text();
await api.deleteFile(id, 'data.csv');
seen.files = (await api.files(id)).map((f) => f.name);
seen.renamed = (await api.rename(id, 'Named')).title;
seen.listed = (await api.sessions()).some((s) => s.id === id && s.title === 'Named');
const followed = [];
for await (const e of api.follow(id)) {
  followed.push(e.type);
  if (followed.length === 2) break;
}
seen.followed = followed;
seen.notebook = (await api.notebook(id)).nbformat;
seen.markdown = typeof (await api.markdown(id));
try {
  await api.session('no-such-session');
} catch (e) {
  seen.refused = { code: e.code, status: e.status, isError: e instanceof CodeActError };
}
await api.deleteSession(id);
try {
  await api.session(id);
} catch (e) {
  seen.deleted = e.code;
}
console.log(JSON.stringify(seen));
