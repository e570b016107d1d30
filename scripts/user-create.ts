// npm run user:create -- --email a@b.c --name "Full Name" --role admin|manager|rep [--level 1-4]
//   [--capacity 100] [--region North] [--password …] [--no-password] [--token [--token-name …]]
// Creates a user in the database the server uses (DATABASE_URL, else PGlite in DATA_DIR), without a
// browser: the first admin of a new deployment, or a service user for scripts. Prints the password
// (made up when not given, unless --no-password) and, with --token, a new API token: each shown once.

import { parseArgs } from 'node:util';
import { parseConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/client.ts';
import { ensureDefaultPolicy } from '../src/policy/store.ts';
import { fieldErrors } from '../src/shared/validation.ts';
import { createUser } from '../src/users/actions.ts';
import { generatePassword } from '../src/users/passwords.ts';
import { createApiToken } from '../src/users/tokens.ts';
import { newUserSchema } from '../src/users/validation.ts';

const USAGE = 'Usage: npm run user:create -- --email a@b.c --name "Full Name" --role admin|manager|rep [--level 1-4] [--capacity N] [--region R] [--password P | --no-password] [--token [--token-name NAME]]';

let args;
try {
  args = parseArgs({
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      role: { type: 'string' },
      level: { type: 'string' },
      capacity: { type: 'string' },
      region: { type: 'string' },
      password: { type: 'string' },
      'no-password': { type: 'boolean', default: false },
      token: { type: 'boolean', default: false },
      'token-name': { type: 'string', default: 'created by npm run user:create' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  }).values;
} catch (err) {
  console.error(`${(err as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}

const generated = args.password || args['no-password'] ? null : generatePassword();
const parsed = newUserSchema.safeParse({
  email: args.email,
  name: args.name,
  role: args.role,
  level: args.level ?? (args.role === 'rep' ? '1' : undefined),
  capacity: args.capacity,
  region: args.region,
  password: args.password ?? generated,
});
if (!parsed.success) {
  for (const [field, message] of Object.entries(fieldErrors(parsed.error))) console.error(`  --${field}: ${message}`);
  console.error(USAGE);
  process.exit(2);
}

const config = parseConfig(process.env);
const database = await openDatabase(config);
try {
  await database.migrate();
  await ensureDefaultPolicy(database.db);
  // The script stands for whoever runs it on the server: it may create any role.
  const actor = { name: 'npm run user:create', id: null, role: 'admin' as const };
  const r = await createUser(database.db, parsed.data, actor);
  if (!r.ok) {
    console.error(r.reason === 'invalid' ? Object.entries(r.errors).map(([k, m]) => `  --${k}: ${m}`).join('\n') : `Not created: ${r.reason}`);
    process.exitCode = 1;
  } else {
    const u = r.user;
    console.log(`Created ${u.role} ${u.name} <${u.email}> (id ${u.id}${u.level ? `, level ${u.level}` : ''}).`);
    if (generated) console.log(`Password (shown once; they can change it on their page, /me): ${generated}`);
    else if (!args.password) console.log('No password: this user cannot sign in with the form (API tokens only).');
    if (args.token) {
      const { token } = await createApiToken(database.db, u.id, args['token-name'], actor, new Date());
      console.log(`API token (shown once; send it as "Authorization: Bearer <token>"):\n${token}`);
    }
  }
} finally {
  await database.close();
}
