import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { byteSize, duration, port } from '../units.js';

export const listenerSchema = z.strictObject({
  name: z.string().default('smtp'),
  host: z.string().default('0.0.0.0'),
  port: port.default(2525),
});

export const ingestSchema = z.strictObject({
  /** Name used in the greeting and the Received: header. */
  hostname: z.string().default('mailsort.localdomain'),
  listeners: z.array(listenerSchema).min(1).default([{ name: 'smtp', host: '0.0.0.0', port: 2525 }]),
  /** CIDR blocks (IPv4 and IPv6) that may relay without AUTH, like Postfix mynetworks. */
  trusted_networks: z
    .array(z.string().refine((cidr) => (cidr.includes('/') ? ipaddr.isValidCIDR(cidr) : ipaddr.isValid(cidr)), 'not an IP address or CIDR block')).default(['127.0.0.0/8', '::1/128']),
  limits: z
    .strictObject({
      max_message_size: byteSize.prefault(25 * 1024 * 1024),
      max_recipients: z.number().int().positive().default(100),
      max_connections: z.number().int().positive().default(1000),
      socket_timeout: duration.prefault(60),
    })
    .prefault({}),
});
