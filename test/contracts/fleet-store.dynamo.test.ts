import { DynamoFleetStore } from '../../lib/adapters/aws/dynamo-fleet-store.ts';
import { startAwsEmulators } from '../helpers/aws-emulators.ts';
import { describeFleetStoreContract } from './fleet-store.contract.ts';

// dynalite (loopback, in memory); 100-row query pages so listing 310 units really pages.
describeFleetStoreContract('DynamoFleetStore on dynalite', async () => {
  const aws = await startAwsEmulators();
  const store = new DynamoFleetStore({ client: aws.clients.dynamo, tableName: aws.tableName, queryPageSize: 100 });
  return { store, cleanup: () => aws.stop() };
});
