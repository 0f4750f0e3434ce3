/**
 * The API types come from the generated schema (src/types/api.d.ts): these checks run in
 * `npm run type-check` (vue-tsc reads tests/unit) and name what the UI relies on.
 */
import { describe, expectTypeOf, it } from 'vitest'
import type { components } from '@/types/api'
import type { Answer, Body, Query } from '@/api/schema'
import type { ConnectionTest, DashboardStats, ExecutionLogs, SystemHealth } from '@/types'
import type { Captcha } from '@/api/auth'
import type { StoredFile } from '@/api/jobs'

type S = components['schemas']

describe('schema-derived API types', () => {
  it('are the schema components the endpoints answer with', () => {
    expectTypeOf<Captcha>().toEqualTypeOf<Answer<'/api/auth/captcha/'>>()
    expectTypeOf<ConnectionTest>().toEqualTypeOf<Answer<'/api/hosts/test_connection/', 'post'>>()
    expectTypeOf<DashboardStats>().toEqualTypeOf<Answer<'/api/dashboard/stats/'>>()
    expectTypeOf<SystemHealth>().toEqualTypeOf<Answer<'/api/dashboard/health/'>>()
    expectTypeOf<StoredFile>().toEqualTypeOf<Answer<'/api/templates/files/', 'post'>>()
    expectTypeOf<ExecutionLogs>().toEqualTypeOf<Answer<'/api/executor/execution-records/{id}/logs/'>>()
    expectTypeOf<Answer<'/api/hosts/{id}/', 'delete'>>().toEqualTypeOf<void>()
  })

  it('say a log slice ends with complete, not eof', () => {
    expectTypeOf<ExecutionLogs>().toHaveProperty('complete').toEqualTypeOf<boolean>()
    expectTypeOf<ExecutionLogs>().toHaveProperty('size').toEqualTypeOf<number>()
    expectTypeOf<ExecutionLogs>().not.toHaveProperty('eof')
  })

  it('read query parameters and bodies from the paths', () => {
    expectTypeOf<Query<'/api/executor/execution-records/{id}/logs/'>['host']>().toEqualTypeOf<string>()
    expectTypeOf<Query<'/api/scheduler/{id}/history/'>>().toHaveProperty('status')
    expectTypeOf<Query<'/api/dashboard/health/'>>().toEqualTypeOf<Record<string, never>>()
    expectTypeOf<Body<'/api/hosts/bulk_import/'>>().toEqualTypeOf<S['BulkImportRequest']>()
    expectTypeOf<Body<'/api/templates/files/'>>().toEqualTypeOf<S['UploadRequest']>()
  })
})
