/**
 * Migration tooling: `npm run migration:create -w server` diffs the entities against a scratch
 * database that has every existing migration applied and writes the next migration file.
 * Needs DATABASE_URL (a PostgreSQL where it may create and drop a scratch database).
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { ormOptions } from './orm.js';

async function main(): Promise<void> {
  const [cmd, name = 'Migration'] = process.argv.slice(2);
  const base = process.env.DATABASE_URL;
  if (cmd !== 'create' || !base) {
    console.error('usage: DATABASE_URL=postgres://… tsx src/db/cli.ts create <Name>');
    process.exit(2);
  }
  const scratch = `stoa_migrate_${Date.now()}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`create database ${scratch}`);
  try {
    const url = new URL(base);
    url.pathname = `/${scratch}`;
    const orm = await MikroORM.init(ormOptions({ url: url.toString() }));
    try {
      const migrator = orm.getMigrator();
      await migrator.up();
      const diff = await orm.getSchemaGenerator().getUpdateSchemaMigrationSQL({ wrap: false });
      if (!diff.up.trim()) {
        console.log('Entities and migrations agree; nothing to create.');
        return;
      }
      const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
      const className = `Migration${stamp}_${name}`;
      const quote = (sql: string) =>
        sql
          .split('\n')
          .filter((l) => l.trim())
          .map((l) => `    this.addSql(${JSON.stringify(l)});`)
          .join('\n');
      const body = `import { Migration } from '@mikro-orm/migrations';

export class ${className} extends Migration {
  override async up(): Promise<void> {
${quote(diff.up)}
  }

  override async down(): Promise<void> {
${quote(diff.down)}
  }
}
`;
      const file = fileURLToPath(new URL(`../migrations/${className}.ts`, import.meta.url));
      await writeFile(file, body);
      console.log(`Wrote ${file}; add it to src/migrations/index.ts.`);
    } finally {
      await orm.close(true);
    }
  } finally {
    await admin.query(`drop database if exists ${scratch}`);
    await admin.end();
  }
}

void main();
