// Compiled with tsc --strict against the packed package: its types resolve through the package's
// exports, and the wire's required fields are required (an optional one would not assign to string).
import { CodeActApi, CodeActClient, CodeActError, type ExecutionEvent, type ServerEvent, type SessionSummary } from '@codeact/client';

export async function use(api: CodeActApi): Promise<string[]> {
  const summary: SessionSummary = await api.createSession();
  const id: string = summary.id;
  // @ts-expect-error a session's title is absent until its first message
  const title: string = summary.title;
  const result = await api.execute(id, 'print(1)');
  const output: string = result.output;
  const names: string[] = (await api.files(id)).map((f) => f.name);
  for await (const e of api.executeStream(id, 'print(2)')) {
    const event: ExecutionEvent = e;
    if (event.event === 'output') names.push(event.text);
  }
  const client = new CodeActClient({ url: 'ws://localhost:8080' });
  client.on('token', (e) => names.push(e.text));
  client.on('observation', (e) => names.push(e.action_id, e.result.output));
  client.send('hello', { temperature: 0.2 });
  const all: ServerEvent[] = await api.events(id);
  try {
    await api.session('nope');
  } catch (e) {
    if (e instanceof CodeActError) names.push(e.code);
  }
  return [id, title, output, ...names, String(all.length)];
}
