import { Hono } from 'hono';
import type { AppEnv } from '../app-env.ts';
import { ApiReferencePage } from '../../views/openapi/reference.tsx';
import { openApiDocument } from './document.ts';

// The API's description: the OpenAPI document and its reference page. Both are public: they hold
// no data (the same routes the README lists), and tools that read the document (client
// generators, API explorers) should not need a token to start; the API itself needs one.

export function openApiApi() {
  const app = new Hono<AppEnv>();
  app.get('/openapi.json', (c) => {
    c.header('Cache-Control', 'no-cache');
    return c.json(openApiDocument());
  });
  return app;
}

export function openApiPages() {
  const app = new Hono<AppEnv>();
  app.get('/docs/api', (c) => c.html(<ApiReferencePage doc={openApiDocument() as never} />));
  return app;
}
