import { Layout } from './layout.tsx';

export function MessagePage(props: { title: string; message: string; status?: number }) {
  return (
    <Layout title={props.title} nav="none">
      <h1>{props.title}</h1>
      <p>{props.message}</p>
      <p>
        <a href="/prospects">Back to prospects</a>
      </p>
    </Layout>
  );
}

/** What htmx swaps in when a partial request fails: a short message in place of the target. */
export function ErrorFragment(props: { message: string }) {
  return (
    <div class="alert error" role="alert">
      {props.message}
    </div>
  );
}
