/**
 * `tuneplan model --hub REPO_ID [--revision REV] [--json] [--technique JSON]...` (issue 16): `tuneplan model` for a
 * config.json fetched from the Hugging Face Hub (electron/services/hub-config.ts: TUNEPLAN_HF_ENDPOINT, HF_TOKEN,
 * time limit, size cap). The model is named after its repo id, which also becomes its `hfId`.
 * Exit 0; 2 for an id or revision the Hub would refuse, or a config.json Tuneplan cannot read; 1 when the fetch
 * fails (offline, gated, not found), with the message saying how to get the file by hand.
 */
import { HubConfigRequestSchema, hubRepoIdFromText, type HubConfigFetched } from '../../shared/catalog/hub-repo-id';
import type { Technique } from '../../shared/domain/plan';
import { AppFailure, issuesFromZod } from '../../shared/result';
import { fetchHubConfig, hubDepsFromEnv, type HubDeps } from '../services/hub-config';
import { describeModelConfig, formatModelReport, ModelFileError, type ModelReport } from './model';

export type HubModelReport = ModelReport & { source: HubConfigFetched['source'] };

/** Fetches and describes; throws ModelFileError (exit 2) or AppFailure (exit 1). */
export async function describeHubModel(
  idText: string,
  revision: string | undefined,
  techniques: Technique[] | undefined,
  deps: HubDeps = hubDepsFromEnv(),
): Promise<HubModelReport> {
  const request = HubConfigRequestSchema.safeParse({
    repoId: hubRepoIdFromText(idText),
    ...(revision !== undefined ? { revision } : {}),
  });
  if (!request.success)
    throw new ModelFileError(
      issuesFromZod(request.error)
        .map((i) => `--${i.path === 'repoId' ? 'hub' : i.path}: ${i.message}`)
        .join('\n'),
    );
  const fetched = await fetchHubConfig(request.data, deps);
  const report = describeModelConfig(fetched.text, `config.json of ${fetched.name}`, techniques);
  return { ...report, name: fetched.name, hfId: fetched.name, source: fetched.source };
}

export async function runModelHub(
  args: { hub: string; revision?: string | undefined; json: boolean; techniques?: Technique[] | undefined },
  out: (s: string) => void,
  err: (s: string) => void,
  deps: HubDeps = hubDepsFromEnv(),
): Promise<number> {
  try {
    const report = await describeHubModel(args.hub, args.revision, args.techniques, deps);
    out(
      args.json
        ? JSON.stringify(report, null, 2)
        : `${formatModelReport(report)}\nfrom ${report.source.url}` +
            (report.source.commit ? ` (commit ${report.source.commit.slice(0, 12)})` : ''),
    );
    return 0;
  } catch (error) {
    if (error instanceof ModelFileError) {
      err(error.message);
      return 2;
    }
    if (error instanceof AppFailure) {
      err(error.message);
      return 1;
    }
    err(`tuneplan failed: ${(error as Error).message}`);
    return 1;
  }
}
