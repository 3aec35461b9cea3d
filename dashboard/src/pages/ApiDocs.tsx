/**
 * The HTTP API's reference: the server's OpenAPI document (/api/openapi.json) rendered by
 * Swagger UI, bundled at build time (no CDN). Loaded on demand: the bundle is large and only
 * this page needs it.
 */
import { useEffect, useRef } from "react";
import SwaggerUIBundle from "swagger-ui-dist/swagger-ui-es-bundle.js";
import "swagger-ui-dist/swagger-ui.css";
import "./ApiDocs.css";

export const OPENAPI_URL = "/api/openapi.json";

export default function ApiDocs() {
  const target = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const node = target.current;
    if (!node) return;
    SwaggerUIBundle({
      domNode: node,
      url: OPENAPI_URL,
      deepLinking: false,
      // Never send the document to the public validator (the default would).
      validatorUrl: null,
      // "Try it out" calls this server with the browser's own login cookie.
      withCredentials: true,
      defaultModelsExpandDepth: 0,
      docExpansion: "list",
    });
    return () => {
      node.replaceChildren();
    };
  }, []);

  return (
    <div className="page api-docs">
      <p className="eyebrow">Reference</p>
      <h1>HTTP API</h1>
      <p className="lede">
        Every route of every part, with its parameters, bodies and answers, from{" "}
        <a href={OPENAPI_URL}>
          <code>{OPENAPI_URL}</code>
        </a>{" "}
        (OpenAPI 3.1). Analytics routes take the login cookie of this browser or an API key.
      </p>
      <div ref={target} className="api-docs-ui" data-testid="api-docs" />
    </div>
  );
}
