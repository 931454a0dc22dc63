import type { Group, PairSummary, PathReport, Summary } from '../../../r13y/index.js';
import type { DisputePage } from '../../../store/r13y-index.js';
import { html, type Html } from './html.js';
import { layout } from './layout.js';

/** The configured name of each followed log, by log id; a log no longer followed shows its id. */
export type LogNames = ReadonlyMap<string, string>;

/** One page of disputed paths, as a table shows it. */
export interface DisputeListing {
  found: DisputePage;
  page: number;
  perPage: number;
  /** The name filter, '' for none. */
  name: string;
}

/** Packages listed on the summary page; `/r13y.json` has them all. */
const PACKAGES_ON_PAGE = 50;

const shortId = (id: string) => id.slice(0, 16) + '…';

function logLabel(names: LogNames, id: string): Html {
  const name = names.get(id);
  return html`<span class="log" title="${id}">${name ?? shortId(id)}</span>`;
}

const percent = (share: number | null) => (share === null ? '–' : `${(share * 100).toFixed(1)} %`);

const pathHref = (hashPart: string) => `/r13y/paths/${encodeURIComponent(hashPart)}`;
export const pairHref = (a: string, b: string) =>
  `/r13y/pairs/${encodeURIComponent(a)}/${encodeURIComponent(b)}`;

function pageHref(base: string, name: string, page: number): string {
  const query = new URLSearchParams();
  if (name !== '') query.set('name', name);
  if (page !== 1) query.set('page', String(page));
  const text = query.toString();
  return text === '' ? base : `${base}?${text}`;
}

function disputeTable(listing: DisputeListing, base: string): Html {
  const { found, page, perPage, name } = listing;
  const last = Math.max(1, Math.ceil(found.total / perPage));
  const first = (page - 1) * perPage + 1;
  const shown =
    found.items.length === 0
      ? html`no disputed path${name !== '' && html` whose name contains “${name}”`}`
      : html`${first}–${first + found.items.length - 1} of ${found.total} disputed
        path${found.total === 1 ? '' : 's'}${name !== '' && html` whose name contains “${name}”`}`;
  return html`<p id="dispute-count" aria-live="polite">${shown}</p>
    <div class="scroll">
      <table id="disputes">
        <thead>
          <tr>
            <th>Store path name</th>
            <th>Hash part</th>
          </tr>
        </thead>
        <tbody>
          ${found.items.map(
            (item) =>
              html`<tr>
                <td><a href="${pathHref(item.hashPart)}">${item.name}</a></td>
                <td><code>${item.hashPart}</code></td>
              </tr> `,
          )}
        </tbody>
      </table>
    </div>
    <nav class="pager" id="pager">
      ${page > 1 && html`<a rel="prev" href="${pageHref(base, name, Math.min(page - 1, last))}">← previous</a>`}
      <span>page ${page} of ${last}</span>
      ${page < last && html`<a rel="next" href="${pageHref(base, name, page + 1)}">next →</a>`}
    </nav>`;
}

export function renderSummaryPage(summary: Summary, listing: DisputeListing, names: LogNames): string {
  const packages = summary.byPackage.slice(0, PACKAGES_ON_PAGE);
  const body = html`<h1>Reproducibility report</h1>
    <p>
      Over the store paths that at least two followed logs hold, how many the builders agree on bit for bit,
      from this node's mirrors.
    </p>
    <dl class="stats">
      <div>
        <dt>Agree bit for bit</dt>
        <dd id="agree-share">${percent(summary.agreeShare)}</dd>
      </div>
      <div>
        <dt>In dispute</dt>
        <dd id="disputed">${summary.disputed}</dd>
      </div>
      <div>
        <dt>Logged by ≥ 2 logs</dt>
        <dd id="shared">${summary.shared}</dd>
      </div>
      <div>
        <dt>Store paths</dt>
        <dd id="paths">${summary.paths}</dd>
      </div>
    </dl>

    <section>
      <h2 id="search">Disputed paths</h2>
      <form method="get" action="/r13y#search" role="search">
        <label for="name">Name contains</label>
        <input
          type="search"
          id="name"
          name="name"
          value="${listing.name}"
          maxlength="211"
          autocomplete="off"
        />
        <button type="submit">Search</button>
      </form>
      ${disputeTable(listing, '/r13y')}
    </section>

    <section>
      <h2>By log pair</h2>
      <p>
        How often two logs logged different values for a path both hold: a builder that is broken or lying
        disagrees with everyone.
      </p>
      <div class="scroll">
        <table id="pairs">
          <thead>
            <tr>
              <th>Logs</th>
              <th>Both hold</th>
              <th>Disagree</th>
              <th>Share</th>
            </tr>
          </thead>
          <tbody>
            ${summary.byLogPair.map((pair) => pairRow(pair, names))}
          </tbody>
        </table>
      </div>
    </section>

    <section>
      <h2>By package</h2>
      <p>
        ${summary.byPackage.length > PACKAGES_ON_PAGE ? html`The ${PACKAGES_ON_PAGE} packages with the most disputes, of ${summary.byPackage.length}; <a href="/r13y.json">all in JSON</a>.` : 'Store-path names without their version.'}
      </p>
      <div class="scroll">
        <table id="packages">
          <thead>
            <tr>
              <th>Package</th>
              <th>Agree</th>
              <th>Disputed</th>
            </tr>
          </thead>
          <tbody>
            ${packages.map(
              (p) =>
                html`<tr>
                  <td><a href="${pageHref('/r13y', p.name, 1)}#search">${p.name}</a></td>
                  <td>${p.agreeing}</td>
                  <td>${p.disputed}</td>
                </tr> `,
            )}
          </tbody>
        </table>
      </div>
    </section>

    <section>
      <h2>Followed logs</h2>
      <ul class="logs">
        ${[...names].map(([id, name]) => html`<li><strong>${name}</strong> <code>${id}</code></li> `)}
      </ul>
    </section>`;
  return layout('Summary', body, { json: '/r13y.json', script: true });
}

function pairRow(pair: PairSummary, names: LogNames): Html {
  const [a, b] = pair.logs;
  return html`<tr>
    <td><a href="${pairHref(a, b)}">${logLabel(names, a)} · ${logLabel(names, b)}</a></td>
    <td>${pair.shared}</td>
    <td>${pair.disagreeing}</td>
    <td>${percent(pair.shared === 0 ? null : pair.disagreeing / pair.shared)}</td>
  </tr> `;
}

export function renderPathPage(
  report: PathReport,
  groups: Group[],
  disputed: boolean,
  names: LogNames,
): string {
  const body = html`<h1 class="path-name">${report.name}</h1>
    <p><code class="store-path">/nix/store/${report.hashPart}-${report.name}</code></p>
    <p class="verdict ${disputed ? 'disputed' : 'agree'}" id="verdict">
      ${
        disputed
          ? html`In dispute: the logs hold ${groups.length} different values.`
          : report.observations.length > 1
            ? html`The ${report.observations.length} logs that hold it agree bit for bit.`
            : 'Only one followed log holds it.'
      }
    </p>
    <p>
      Package: <a href="${pageHref('/r13y', report.packageName, 1)}#search">${report.packageName}</a>${
        report.disputedSince !== undefined &&
        html` · disputed since ${logLabel(names, report.disputedSince.logId)} logged it (checkpoint of size
        ${report.disputedSince.firstCheckpointSize})`
      }
    </p>

    <h2>Groups</h2>
    <p>Logs that logged the same value: the same NarHash and NarSize.</p>
    <div class="scroll">
      <table id="groups">
        <thead>
          <tr>
            <th>#</th>
            <th>NarHash</th>
            <th>NarSize</th>
            <th>Logs</th>
          </tr>
        </thead>
        <tbody>
          ${groups.map(
            (g, i) =>
              html`<tr class="group">
                <td>${i + 1}</td>
                <td><code>${g.narHash}</code></td>
                <td>${g.narSize}</td>
                <td>${g.logs.map((id, j) => html`${j > 0 && ', '}${logLabel(names, id)}`)}</td>
              </tr> `,
          )}
        </tbody>
      </table>
    </div>

    <h2>Logs that hold it</h2>
    <p>When each log logged it: the first checkpoint of that log that includes the entry.</p>
    <div class="scroll">
      <table id="observations">
        <thead>
          <tr>
            <th>Log</th>
            <th>Entry</th>
            <th>First checkpoint</th>
            <th>Group</th>
          </tr>
        </thead>
        <tbody>
          ${report.observations.map(
            (o) =>
              html`<tr>
                <td>${logLabel(names, o.logId)}</td>
                <td>${o.index}</td>
                <td>size ${o.firstCheckpointSize}</td>
                <td>${groups.findIndex((g) => g.valueDigest === o.valueDigest) + 1}</td>
              </tr> `,
          )}
        </tbody>
      </table>
    </div>`;
  return layout(report.name, body, { json: `${pathHref(report.hashPart)}.json` });
}

export function renderPairPage(pair: PairSummary, listing: DisputeListing, names: LogNames): string {
  const [a, b] = pair.logs;
  const base = pairHref(a, b);
  const body = html`<h1>${logLabel(names, a)} and ${logLabel(names, b)}</h1>
    <dl class="stats">
      <div>
        <dt>Both hold</dt>
        <dd id="pair-shared">${pair.shared}</dd>
      </div>
      <div>
        <dt>Disagree</dt>
        <dd id="pair-disagreeing">${pair.disagreeing}</dd>
      </div>
      <div>
        <dt>Share</dt>
        <dd>${percent(pair.shared === 0 ? null : pair.disagreeing / pair.shared)}</dd>
      </div>
    </dl>
    <ul class="logs">
      <li><strong>${names.get(a) ?? '(not followed now)'}</strong> <code>${a}</code></li>
      <li><strong>${names.get(b) ?? '(not followed now)'}</strong> <code>${b}</code></li>
    </ul>
    <h2>Paths they disagree on</h2>
    ${disputeTable(listing, base)}`;
  return layout(`${names.get(a) ?? shortId(a)} and ${names.get(b) ?? shortId(b)}`, body, {
    json: `${base}.json`,
  });
}

/** A 4xx page: says what was wrong with the request, in the page's own style. */
export function renderErrorPage(status: number, message: string): string {
  return layout(
    `Error ${status}`,
    html`<h1>Error ${status}</h1>
      <p id="error">${message}</p>
      <p><a href="/r13y">Back to the summary</a></p>`,
  );
}
