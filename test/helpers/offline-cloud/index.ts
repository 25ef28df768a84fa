// Offline cloud harness: run the synthesized state machine and the Lambda handlers without AWS.
export * from './definition.ts';
export * from './lambda-context.ts';
export * from './run-state-machine.ts';
export * from './sqs-event.ts';
export * from './sqs-poller.ts';
