/**
 * Every table of the app's database. A new schema file joins with one `export *` line here;
 * drizzle-kit and `createDb` read this barrel, so nothing else needs to change.
 */
export * from "./marketplace";
export * from "./payments";
