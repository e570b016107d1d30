import { Layout } from '../layout.tsx';

export type SignInProps = {
  email?: string;
  next?: string;
  problem?: string;
  notice?: string;
  /** Nobody can sign in yet: say how the first admin is made. */
  firstRun?: boolean;
};

export function SignInPage(props: SignInProps) {
  return (
    <Layout title="Sign in" nav="none">
      <div class="signin">
        <h1>Sign in</h1>
        {props.notice ? (
          <div class="alert ok" role="status">
            {props.notice}
          </div>
        ) : null}
        {props.problem ? (
          <div class="alert error" role="alert" id="signin-problem">
            {props.problem}
          </div>
        ) : null}
        {props.firstRun ? (
          <div class="alert info">
            Nobody can sign in yet. On the server, create the first admin:
            <pre class="small">npm run user:create -- --email you@example.com --name "Your Name" --role admin</pre>
            It prints a password (or give one with --password). See “First run” in the README.
          </div>
        ) : null}
        <form method="post" action="/sign-in" class="card">
          <input type="hidden" name="next" value={props.next ?? ''} />
          <div class="field">
            <label for="f-email">Email</label>
            <input id="f-email" name="email" type="email" autocomplete="username" required value={props.email ?? ''} aria-describedby={props.problem ? 'signin-problem' : undefined} />
          </div>
          <div class="field">
            <label for="f-password">Password</label>
            <input id="f-password" name="password" type="password" autocomplete="current-password" required />
          </div>
          <button class="btn" type="submit">
            Sign in
          </button>
        </form>
      </div>
    </Layout>
  );
}
