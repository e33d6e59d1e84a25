const LEGAL_TOPIC = /^[A-Za-z0-9._-]+$/;
/**
 * 0.8.2 accepts 255 characters, but the log directory `<topic>-<partition>` then exceeds the
 * 255-byte file name limit; later Kafka lowered the limit to 249 for that reason.
 */
const MAX_TOPIC_LENGTH = 249;

/** Why `topic` is not a name Kafka accepts, or undefined when it is one. */
export function topicNameProblem(topic: unknown): string | undefined {
  if (typeof topic !== 'string') return `must be a string, got ${topic === null ? 'null' : typeof topic}`;
  if (topic.length === 0) return 'must not be empty';
  if (topic === '.' || topic === '..') return `must not be "${topic}"`;
  if (topic.length > MAX_TOPIC_LENGTH)
    return `must be at most ${MAX_TOPIC_LENGTH} characters, got ${topic.length}`;
  if (!LEGAL_TOPIC.test(topic))
    return `may only contain ASCII letters, digits, '.', '_' and '-': ${JSON.stringify(topic)}`;
  return undefined;
}
