import type { FeedView } from '@tocsin/contracts';
import type { FastifyReply } from 'fastify';

/** Sets the headers of an iCalendar answer and answers its text. */
export function sendCalendar(reply: FastifyReply, feed: FeedView): string {
  void reply.header('Content-Type', 'text/calendar; charset=utf-8');
  void reply.header('Content-Disposition', 'inline; filename="on-call.ics"');
  return feed.calendar;
}
