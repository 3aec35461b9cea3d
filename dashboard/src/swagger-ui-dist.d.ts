// swagger-ui-dist ships no types; the page uses its one entry point with these options.
declare module "swagger-ui-dist/swagger-ui-es-bundle.js" {
  export interface SwaggerUIOptions {
    domNode: HTMLElement;
    url: string;
    deepLinking?: boolean;
    validatorUrl?: string | null;
    withCredentials?: boolean;
    defaultModelsExpandDepth?: number;
    docExpansion?: "list" | "full" | "none";
  }
  const SwaggerUIBundle: (options: SwaggerUIOptions) => unknown;
  export default SwaggerUIBundle;
}
