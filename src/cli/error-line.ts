import type { Kafka08Error } from '../protocol/errors.js';

/**
 * The one line the CLI prints for one of our errors: its name, where it happened
 * (`topic/partition offset N`, from the error's fields unless its message names the place
 * already) and its message, so that a user can seek past a record the line names.
 */
export function errorLine(err: Kafka08Error): string {
  return `kafka08: ${err.name}: ${place(err)}${err.message}`;
}

function place(err: Kafka08Error): string {
  const topic = err.topic;
  // Our messages name a place as `topic/partition` or `topic <name>`.
  if (topic === undefined || err.message.includes(`${topic}/`) || err.message.includes(`topic ${topic}`))
    return '';
  const partition = err.partition === undefined ? '' : `/${err.partition}`;
  const offset = err.offset === undefined ? '' : ` offset ${err.offset}`;
  return `${topic}${partition}${offset}: `;
}
