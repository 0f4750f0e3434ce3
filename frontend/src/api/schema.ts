/**
 * Request and response types of one API operation, read from the generated `paths`
 * (src/types/api.d.ts, `npm run gen:api`). Paths are the schema's, with the `/api` prefix
 * the client adds: `Query<'/api/hosts/'>` is what GET /api/hosts/ accepts, so a renamed
 * backend filter or field breaks `npm run type-check` where the UI uses it.
 */
import type { paths } from '@/types/api'

export type ApiPath = keyof paths
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete'

type Operation<P extends ApiPath, M extends Method> = NonNullable<paths[P][M]>
type OperationParameters<P extends ApiPath, M extends Method> = Operation<P, M> extends { parameters: infer X } ? X : never

/** Query parameters of `M P` (`{}` when it takes none). */
export type Query<P extends ApiPath, M extends Method = 'get'> =
  OperationParameters<P, M> extends { query?: infer Q } ? ([Q] extends [undefined] ? Record<string, never> : NonNullable<Q>) : never

/** The JSON (else multipart) body of `M P`. */
export type Body<P extends ApiPath, M extends Method = 'post'> =
  Operation<P, M> extends { requestBody?: { content: infer C } }
    ? C extends { 'application/json': infer B } ? B : C extends { 'multipart/form-data': infer F } ? F : never
    : never

type Envelope<R, S extends number> = R extends { [K in S]: { content: { 'application/json': { content: infer C } } } } ? C : never
type Success<R> = [Envelope<R, 200>] extends [never] ? ([Envelope<R, 201>] extends [never] ? void : Envelope<R, 201>) : Envelope<R, 200>

/** The envelope's `content` of the 200 (else 201) answer of `M P`; `void` for 204. */
export type Answer<P extends ApiPath, M extends Method = 'get'> =
  Operation<P, M> extends { responses: infer R } ? Success<R> : never

/**
 * `T` when it fits what `M P` answers: for the friendly names of src/types that narrow a
 * JSON field the schema leaves open (`Fits<Host, Answer<'/api/hosts/{id}/'>>`).
 */
export type Fits<T extends A, A> = T

/**
 * `T` with the keys `K` optional: body fields the server defaults. openapi-typescript marks a
 * property with a `default` as required (right for answers, too strict for requests).
 */
export type Defaulted<T, K extends keyof T> = Omit<T, K> & Partial<Pick<T, K>>
