import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// Every schema module imports this file, so the settings hold before anything is parsed. zod/mini
// loads no locale by itself (its messages would all be "Invalid input"). A cron run validates one
// config once: compiling zod's fast object parsers (new Function) costs more than it saves.
z.config({ ...en(), jitless: true });

/** zod/mini, configured as above: what every provider builds its configSchema with. */
export { z };

/**
 * Attaches a key's documentation (shown by `dnsfail schema`) to a schema. Unlike zod's classic
 * `.describe()` it does not clone, so give it a schema made for that key, not a shared one.
 */
export function doc<T extends z.core.$ZodType>(schema: T, description: string): T {
  if (z.globalRegistry.has(schema)) throw new Error(`doc("${description}"): this schema already has a description; document a schema of its own`);
  z.globalRegistry.add(schema, { description });
  return schema;
}

/** A string that must not be empty (names, paths, credentials). */
export function nonEmpty(): z.ZodMiniString<string> {
  return z.string().check(z.minLength(1));
}

/** A command run without a shell (argv): the program first, and no empty word. */
export function argv(): z.ZodMiniArray<z.ZodMiniString<string>> {
  return z.array(z.string().check(z.minLength(1, 'must not be empty'))).check(z.minLength(1, 'needs at least the program'));
}

/** An optional key, documented. */
export function optional<T extends z.core.SomeType>(schema: T, description: string): z.ZodMiniOptional<T> {
  return doc(z.optional(schema), description);
}
