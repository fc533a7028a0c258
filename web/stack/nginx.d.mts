// Types of nginx.mjs for the TypeScript tests (the module is plain JS so bin/up can run it with node).
export interface LocalNginxOptions {
  port: number;
  apiUrl: string;
  root?: string;
}
export declare const fileServerConf: { server: string; cacheControl: string; rules: string };
export declare const webRoot: string;
export declare const LOCAL_API_ENV: { TRUST_PROXY: string };
export declare function localServerBlock(options: LocalNginxOptions): string;
export declare function localNginxConf(options: LocalNginxOptions & { dir: string }): string;
export declare function writeLocalNginxConf(options: LocalNginxOptions & { dir: string }): string;
