import { evaluateManager } from './evaluate.js';
import { GOCD_WORDING } from './subjects/gocd.js';
import { buildFacts } from './facts.js';
import { GOCD_EVENT_NAMES, type GocdEvent, type ManagerRules, type PipelineGroup, type RuleProblem } from './types.js';

export interface GocdAlert {
  events: GocdEvent[];
  recipients: string[];
  webhooks: string[];
}

export interface GocdReport {
  manager: string;
  groups: Array<{ group: string; pipelines: Array<{ pipeline: string; alerts: GocdAlert[] }> }>;
  problems: RuleProblem[];
}

/**
 * mail2alert's `--test`: for every pipeline of every group and every event, who a gocd manager
 * would notify. Events with the same addressees are grouped.
 */
export function gocdReport(managers: readonly ManagerRules[], groups: PipelineGroup[]): GocdReport[] {
  return managers
    .filter((manager) => manager.kind === 'gocd')
    .map((manager) => {
      const problems: RuleProblem[] = [];
      const report = groups.map((group) => ({
        group: group.name,
        pipelines: group.pipelines.map((pipeline) => {
          const alerts: GocdAlert[] = [];
          for (const event of GOCD_EVENT_NAMES) {
            const headers = `Subject: Stage [${pipeline}/1/stage/1] ${GOCD_WORDING[event]}\r\n\r\n`;
            const facts = buildFacts({ from: '', to: ['report@localhost'] }, headers);
            const decision = evaluateManager(manager, facts, { groups });
            for (const problem of decision.problems) {
              if (!problems.some((known) => known.rule === problem.rule && known.message === problem.message)) problems.push(problem);
            }
            if (decision.action !== 'deliver' || decision.fallback) continue;
            const webhooks = decision.webhooks.map((hook) => `${hook.format === 'slack' ? 'slack' : 'webhook'}:${hook.webhook}`);
            const same = alerts.find((alert) => alert.recipients.join() === decision.recipients.join() && alert.webhooks.join() === webhooks.join());
            if (same) same.events.push(event);
            else alerts.push({ events: [event], recipients: decision.recipients, webhooks });
          }
          return { pipeline, alerts };
        }),
      }));
      return { manager: manager.name, groups: report, problems };
    });
}
