/**
 * CDK app entry (cdk.json: `npx tsx bin/app.ts`). Reads the `loadfleet` context value, validates it,
 * builds the stack and gates synthesis on cdk-nag's AwsSolutions pack: any unacknowledged finding makes
 * `cdk synth` fail with a validation report naming the finding and the construct.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readFleetConfig } from '../lib/infra/config.ts';
import { LoadfleetStack } from '../lib/infra/stack.ts';

const app = new App();
const config = readFleetConfig(app);
new LoadfleetStack(app, 'Loadfleet', {
  config,
  description: 'loadfleet: distributed load-testing fleet (Step Functions + SQS + Lambda)',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
