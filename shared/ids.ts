import { z } from 'zod';

/** Record ids are UUIDs made on the trusted side (crypto.randomUUID). */
export const IdSchema = z.string().uuid({ message: 'must be an id (UUID)' });
