import Fastify, { type FastifyInstance } from 'fastify'

/**
 * The three pull-request endpoints of GitHub's REST API that PR mode uses, with
 * the request parameters and response fields GitHub documents
 * (docs.github.com/rest/pulls/pulls): list with `head=owner:branch`, `base` and
 * `state` filters; create (201, or 422 when an open PR for the head exists);
 * update (200). GitHub cannot be reached from the test machine.
 */
export interface PullRequestRecord {
  number: number
  state: 'open' | 'closed'
  title: string
  body: string | null
  head: string
  base: string
}

export class FakeGitHub {
  readonly pulls: PullRequestRecord[] = []
  readonly requests: { method: string; url: string; authorization?: string }[] = []
  private server?: FastifyInstance
  baseUrl = ''

  constructor(
    private readonly owner: string,
    private readonly repo: string,
    private readonly token: string,
  ) {}

  private render(pull: PullRequestRecord) {
    const api = `${this.baseUrl}/repos/${this.owner}/${this.repo}`
    return {
      url: `${api}/pulls/${pull.number}`,
      id: 1000 + pull.number,
      node_id: `PR_${pull.number}`,
      html_url: `https://github.com/${this.owner}/${this.repo}/pull/${pull.number}`,
      number: pull.number,
      state: pull.state,
      locked: false,
      title: pull.title,
      body: pull.body,
      draft: false,
      head: { label: `${this.owner}:${pull.head}`, ref: pull.head, sha: '0'.repeat(40) },
      base: { label: `${this.owner}:${pull.base}`, ref: pull.base, sha: '0'.repeat(40) },
      created_at: '2026-01-01T00:00:00Z',
      updated_at: '2026-01-01T00:00:00Z',
    }
  }

  async start(): Promise<void> {
    const app = Fastify()
    app.addHook('onRequest', async (request, reply) => {
      this.requests.push({
        method: request.method,
        url: request.url,
        authorization: request.headers.authorization,
      })
      if (request.headers.authorization !== `token ${this.token}`) {
        await reply
          .code(401)
          .send({ message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' })
      }
    })
    const prefix = `/repos/${this.owner}/${this.repo}/pulls`
    app.get(prefix, async (request) => {
      const query = request.query as { head?: string; base?: string; state?: string }
      const state = query.state ?? 'open'
      return this.pulls
        .filter((pull) => state === 'all' || pull.state === state)
        .filter((pull) => !query.head || `${this.owner}:${pull.head}` === query.head)
        .filter((pull) => !query.base || pull.base === query.base)
        .map((pull) => this.render(pull))
    })
    app.post(prefix, async (request, reply) => {
      const body = request.body as { title?: string; head?: string; base?: string; body?: string }
      if (!body.title || !body.head || !body.base) {
        return reply.code(422).send({
          message: 'Validation Failed',
          errors: [{ resource: 'PullRequest', code: 'missing_field' }],
        })
      }
      if (
        this.pulls.some(
          (pull) => pull.state === 'open' && pull.head === body.head && pull.base === body.base,
        )
      ) {
        return reply.code(422).send({
          message: 'Validation Failed',
          errors: [
            {
              resource: 'PullRequest',
              code: 'custom',
              message: `A pull request already exists for ${this.owner}:${body.head}.`,
            },
          ],
        })
      }
      const pull: PullRequestRecord = {
        number: this.pulls.length + 1,
        state: 'open',
        title: body.title,
        body: body.body ?? null,
        head: body.head,
        base: body.base,
      }
      this.pulls.push(pull)
      return reply.code(201).send(this.render(pull))
    })
    app.patch(`${prefix}/:number`, async (request, reply) => {
      const pull = this.pulls.find(
        (candidate) => candidate.number === Number((request.params as { number: string }).number),
      )
      if (!pull) return reply.code(404).send({ message: 'Not Found' })
      const body = request.body as { title?: string; body?: string }
      if (body.title !== undefined) pull.title = body.title
      if (body.body !== undefined) pull.body = body.body
      return this.render(pull)
    })
    this.baseUrl = await app.listen({ host: '127.0.0.1', port: 0 })
    this.server = app
  }

  async stop(): Promise<void> {
    await this.server?.close()
  }
}
