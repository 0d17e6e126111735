'use strict';
/*
 * bot.js — the grammY peer of bench/run.sh: a bot written the way grammY's documentation
 * teaches, answering /start with the same menu as avatarbot, so one run prints the ratio
 * avatarbot/grammY on the same machine, PostgreSQL, Bot API sink and load. Not a test.
 *
 *   node bot.js --deps DIR --port P --menu FILE
 *   environment: DATABASE_URL, TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET, TELEGRAM_API_BASE,
 *                DB_POOL_SIZE (10)
 *
 * --deps is where scripts/npm-pinned.sh installed package.json's pins (grammy,
 * @grammyjs/storage-psql, pg). --menu is a sendMessage body avatarbot sent for /start, as the
 * sink kept it (GET /sample): its text and reply_markup (and parse_mode, if any) are sent
 * as they are, so both bots send the same bytes apart from the chat id.
 *
 * POST /telegram/webhook (the path bench/loadgen.c posts to) goes to webhookCallback(bot,
 * "http") with the secret token checked; the callback answers once the update was handled
 * (session read, reply sent, session written), which is grammY's webhook semantics. GET
 * /readyz answers 200 once the session table exists. An update whose handling fails gets
 * a 500, so the load generator re-delivers it, as Telegram would.
 */
const fs = require('fs');
const http = require('http');
const path = require('path');
const { createRequire } = require('module');

function args(argv) {
    const o = {};
    for (let i = 2; i < argv.length; i += 2) {
        const k = argv[i];
        const v = argv[i + 1];
        if (v === undefined || !['--deps', '--port', '--menu'].includes(k))
            throw new Error(`usage: node bot.js --deps DIR --port P --menu FILE (got ${k})`);
        o[k.slice(2)] = v;
    }
    for (const k of ['deps', 'port', 'menu'])
        if (!o[k]) throw new Error(`--${k} is required`);
    return o;
}

function env(name, fallback) {
    const v = process.env[name] ?? fallback;
    if (v === undefined) throw new Error(`${name} is required`);
    return v;
}

async function main() {
    const o = args(process.argv);
    const req = createRequire(path.join(path.resolve(o.deps), 'package.json'));
    const { Bot, session, webhookCallback } = req('grammy');
    const { PsqlAdapter } = req('@grammyjs/storage-psql');
    const { Pool } = req('pg');

    // The menu avatarbot sends: everything of its sendMessage body but the chat id.
    const { chat_id: _chat, text, ...other } = JSON.parse(fs.readFileSync(o.menu, 'utf8'));
    if (typeof text !== 'string' || !other.reply_markup)
        throw new Error(`${o.menu}: not a sendMessage body with text and reply_markup`);

    const pool = new Pool({
        connectionString: env('DATABASE_URL'),
        max: Number(env('DB_POOL_SIZE', '10')),
    });
    const storage = await PsqlAdapter.create({ tableName: 'sessions', client: pool });

    // botInfo given: the sink is not Telegram, and getMe is not part of the measured work.
    const bot = new Bot(env('TELEGRAM_BOT_TOKEN'), {
        botInfo: {
            id: 123456, is_bot: true, first_name: 'Bench', username: 'bench_bot',
            can_join_groups: false, can_read_all_group_messages: false,
            supports_inline_queries: false, can_connect_to_business: false,
            has_main_web_app: false,
        },
        client: { apiRoot: env('TELEGRAM_API_BASE') },
    });
    bot.use(session({ initial: () => ({ state: 'new', starts: 0 }), storage }));
    bot.command('start', async (ctx) => {
        ctx.session.state = 'main_menu';
        ctx.session.starts += 1;
        await ctx.reply(text, other);
    });

    const onUpdate = webhookCallback(bot, 'http', {
        secretToken: env('TELEGRAM_WEBHOOK_SECRET'),
    });
    const server = http.createServer((request, response) => {
        if (request.method === 'POST' && request.url === '/telegram/webhook') {
            onUpdate(request, response).catch((err) => {
                console.error(`update failed: ${err && err.message}`);
                if (!response.headersSent) response.writeHead(500);
                response.end();
            });
        } else if (request.method === 'GET' && request.url === '/readyz') {
            response.writeHead(200).end('ok');
        } else {
            response.writeHead(404).end();
        }
    });
    server.listen(Number(o.port), '127.0.0.1');
    const stop = () => {
        server.close(() => pool.end().then(() => process.exit(0)));
        server.closeAllConnections();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
}

main().catch((err) => {
    console.error(`bench/grammy/bot.js: ${err && err.stack ? err.stack : err}`);
    process.exit(1);
});
