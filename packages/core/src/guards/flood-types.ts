/** A route's `flood_control:` as the config gives it. */
export interface FloodControlSettings {
  limit: { count: number; perMs: number };
  per: 'destination' | 'route';
  attach_max: number;
}

/** What a decision carries about flood control: whose settings, and whether this mail goes through at once. */
export interface RouteFloodControl {
  routeId: string;
  settings: FloodControlSettings;
  /** `critical`, or a matching rule with bypass_flood_control: sent at once, still counted. */
  bypass: 'critical' | 'rule' | null;
}

/** One mail held by flood control, as its digest shows it. */
export interface HeldForDigest {
  id: string;
  deliveryId: string;
  at: number;
  subject: string;
  key: string;
  source: string;
  status: 'firing' | 'resolved' | 'info';
  severity: 'critical' | 'error' | 'warning' | 'info';
  summary: string;
}
