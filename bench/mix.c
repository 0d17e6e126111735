/* mix.c — the realistic mix of avatarbot's benchmark: M users each talk a whole scripted
 * conversation, and this one program plays both Telegram sides of it.
 *
 *   mix --webhook-port P --secret S --api-port-file F --start-file G [options]
 *   mix --print-seed-sql [--users M --warmup-users W --chat-base B --generate-pct N]
 *                                         the SQL that seeds the ready avatars and credits
 *
 * As Telegram's servers it posts the users' updates to the bot's webhook (secret header,
 * unique update_ids, at most one update of a user in flight, C keep-alive connections, 5xx and
 * dropped connections re-delivered) and it is the Bot API the bot calls (TELEGRAM_API_BASE):
 * sendMessage, editMessageText, answerCallbackQuery, getFile, the file download, sendPhoto,
 * sendMediaGroup, sendDocument... answered as Telegram answers them (JSON, form or multipart
 * requests; message ids handed out per chat, edits of unknown messages and edits that change
 * nothing refused with Telegram's 400s), every call timed.
 *
 * As the users it plays one conversation each (see SCRIPTS below): the next update is posted
 * once the step's reply is complete (its screen, carrying the button the step waits for, and
 * for a press the answer to its callback query) plus the think time; buttons are pressed by
 * the callback_data found on the latest screen's keyboard; photos are real test photos the bot
 * downloads with getFile and analyses. It starts posting once the file --start-file exists (so
 * the bot can start against the Bot API side first). With --warmup-users W, W users on other
 * chats talk first; once they all finished it writes --warmed-file and waits for
 * --measure-file (run.sh runs ANALYZE meanwhile), then the measured users talk. Each phase
 * stops at --time-limit; the result covers the measured one.
 *
 * The reply of an update (latency: the update's first byte sent → that call received):
 *   command, text   the first message call in its chat after the post (sendMessage, edit...);
 *   press           the first message call in its chat after the post; when the press is
 *                   only answered with a notice (no screen), the answerCallbackQuery;
 *   photo           an album is one sample: its first photo's post → the first message call in
 *                   the chat ("checking the photos…"); "album checked" is its last photo's
 *                   post → the status message's edit that offers the training.
 * A step is complete when its screen (a sendMessage or editMessageText in the chat whose
 * keyboard has the awaited button) arrived, after its post, and for a press the answer to its
 * callback_query_id too. Processed updates: the updates of completed steps.
 *
 * Options: --users M (2000) --conc C (64) --chat-base B (3000000000) --first-update U (1)
 *   --think-ms T (0: none; else each pause 0.5–1.5 × T, the first 0–1 × T) --time-limit S (90)
 *   --photos DIR (the test photos) --create-pct N (5) --generate-pct N (5): the shares of users
 *   (%) who create an avatar and make pictures, the rest browse; --token T --json FILE
 *   --trace CHAT (print that chat's Bot API calls on stderr).
 * Exit status: 0 when every conversation finished, 1 otherwise, 2 on a usage or system error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "benchio.h"

#define BOT_ID 123456
#define MAX_ATTEMPTS 5
#define ALBUM_MAX 10

/* ---- the conversations ----------------------------------------------------------------- */

typedef enum { K_COMMAND, K_PRESS, K_TEXT, K_PHOTO, K__COUNT } kind;
static const char *const KIND_NAMES[K__COUNT] = {"command", "press", "text", "photo"};

typedef struct {
    char act;           /* 'c' command, 't' text, 'p' press, 'n' press answered by a notice
                         * only, 'a' album of `arg` photos */
    const char *arg;    /* the text, the callback_data prefix to press, the album's size */
    const char *expect; /* callback_data prefix on the screen that completes the step */
} step;

typedef struct {
    const char *name;
    const step *steps;
    int n;
} script;

/* Browsing the menus: help, the (empty) gallery, the main menu, and back. */
static const step BROWSE[] = {
    {'c', "/start", "av:new"},       {'p', "av:help", "av:menu"},   {'p', "av:menu", "av:new"},
    {'p', "av:list", "av:menu"},     {'p', "av:menu", "av:new"},    {'p', "menu:main", "bill:show"},
    {'p', "bill:show", "menu:main"}, {'p', "menu:main", "av:menu"}, {'p', "av:menu", "av:new"},
    {'c', "/start", "av:new"},
};
/* Creating an avatar up to its training's confirm screen: the privacy notice, the types and
 * their comparison, a name, the tips, an album of ten photos the bot checks, the confirm
 * screen (the training is not started), back, the menu. */
static const step CREATE[] = {
    {'c', "/start", "av:new"},      {'p', "av:new", "priv:ok"},
    {'p', "priv:ok", "tt:compare"}, {'p', "tt:compare", "nav:back"},
    {'p', "nav:back", "tt:style"},  {'p', "tt:style", "tt:ok"},
    {'p', "tt:ok", "at:character"}, {'p', "at:character", "g:female"},
    {'p', "g:female", "nav:back"},  {'t', "Photo test", "up:tips"},
    {'p', "up:tips", "up:show"},    {'p', "up:show", "up:add"},
    {'n', "up:add", NULL},          {'a', "10", "tr:start"},
    {'p', "tr:start", "tr:go"},     {'p', "av:show", "tr:start"},
    {'c', "/start", "av:new"},
};
/* Pictures from a ready avatar (seeded by --print-seed-sql): the gallery, the avatar, a
 * style, a shape, two pictures (simulated), two more like them, back to the avatar. */
static const step GENERATE[] = {
    {'c', "/start", "av:list"},    {'p', "av:list", "av:show"},     {'p', "av:show", "gen:new"},
    {'p', "gen:new", "gen:p"},     {'p', "gen:p", "gen:ar"},        {'p', "gen:ar:3", "gen:n"},
    {'p', "gen:n:2", "gen:again"}, {'p', "gen:again", "gen:again"}, {'p', "av:show", "gen:new"},
    {'c', "/start", "av:list"},
};
enum { S_BROWSE, S_CREATE, S_GENERATE, S__COUNT };
static const script SCRIPTS[S__COUNT] = {
    {"browse", BROWSE, (int)(sizeof BROWSE / sizeof BROWSE[0])},
    {"create", CREATE, (int)(sizeof CREATE / sizeof CREATE[0])},
    {"generate", GENERATE, (int)(sizeof GENERATE / sizeof GENERATE[0])},
};

/* ---- users ----------------------------------------------------------------------------- */

typedef struct {
    int64_t id;
    uint64_t hash; /* of the text or caption and the keyboard, for "not modified" */
    unsigned char bot, text;
} message;

enum { U_READY, U_QUEUED, U_POSTING, U_WAITING, U_DONE };

typedef struct {
    int64_t chat;
    int script, step, state;
    const char *lang;
    int64_t next_mid; /* message ids of a private chat: one sequence for both sides */
    message *msgs;
    int n_msgs, cap_msgs;
    int64_t kb_mid; /* the latest screen with a keyboard, and its buttons' data ('\n' after each) */
    char *kb;
    /* the step in flight */
    int to_post, posted; /* updates of the step, posted so far (an album has several) */
    int acked;           /* all of them acked */
    int64_t t_post, t_last_post, t_reply, t_answer;
    int got_answer, got_screen, got_reply;
    long long cb_update; /* the press's update_id, its callback_query_id */
    int64_t ready_at;
    int64_t album_group;
    uint64_t rng; /* xorshift64 state of the think times */
} user;

/* users[0, n_warm) warm up (chats warm_base + i), users[n_warm, n_warm + n_users) are measured
 * (chats chat_base + i - n_warm); phase_lo and phase_hi bound the phase running. */
static user *users;
static long n_users = 2000, n_warm, phase_lo, phase_hi;
static long long chat_base = 3000000000LL, next_update = 1, first_update = 1;
#define WARM_OFFSET 100000000LL /* warm_base = chat_base + WARM_OFFSET */
static int *update_owner;       /* update_id - first_update → user index */
static long owner_cap;

/* ---- options and results --------------------------------------------------------------- */

static int webhook_port, api_port, conc = 64;
static const char *secret = "", *token = "123456:ABC-def", *photos_dir, *json_path;
static const char *api_port_file, *start_file, *warmed_file, *measure_file;
static double think_ms, time_limit = 90;
static int create_pct = 5, generate_pct = 5;
static long long trace_chat = -1;

typedef struct {
    int64_t *v;
    long n, cap;
} samples;
static samples lat[K__COUNT], lat_answer, lat_album, lat_pictures, lat_ack;
static long posted, acked_n, processed, retries, conn_errors, gave_up, bad_status, idle_closed;
static long calls_by_method[16], calls_total, calls_unknown_chat, edits_unknown, not_modified;
static long calls_between_steps;
static long downloads, download_bytes, upload_bytes;
static int64_t t_first_post, t_last_done;

static void sample_add(samples *s, int64_t v)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        s->v = xrealloc(s->v, (size_t)s->cap * sizeof *s->v);
    }
    s->v[s->n++] = v;
}

/* ---- photos ---------------------------------------------------------------------------- */

typedef struct {
    char *data;
    size_t len;
    int w, h;
    int png;
} photo;
static photo photos[ALBUM_MAX];
static int n_photos;

/* The plasma set's 512×512 CC0 photos of animals and objects: an artistic avatar of "a person
 * or character" takes them all (tests/transcripts/upload_album.txt). */
static const char *const PHOTO_FILES[ALBUM_MAX] = {
    "plasma/Air_Balloon.png", "plasma/Books.png",     "plasma/Brushes.png",  "plasma/Bulb.png",
    "plasma/Car.png",         "plasma/Chameleon.png", "plasma/Cocktail.png", "plasma/Fish.png",
    "plasma/Gamepad.png",     "plasma/Dog.png",
};

static void load_photos(void)
{
    for (int i = 0; i < ALBUM_MAX; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", photos_dir, PHOTO_FILES[i]);
        FILE *f = fopen(path, "rb");
        if (!f) {
            fprintf(stderr, "mix: %s: %s (scripts/test-photos.sh puts the photos there)\n", path,
                    strerror(errno));
            exit(2);
        }
        struct stat st;
        fstat(fileno(f), &st);
        photo *p = &photos[n_photos++];
        p->len = (size_t)st.st_size;
        p->data = xrealloc(NULL, p->len ? p->len : 1);
        if (fread(p->data, 1, p->len, f) != p->len)
            die("mix: reading a photo");
        fclose(f);
        const unsigned char *b = (const unsigned char *)p->data;
        p->png = p->len >= 24 && memcmp(b, "\x89PNG", 4) == 0;
        if (!p->png) {
            fprintf(stderr, "mix: %s is not a PNG\n", path);
            exit(2);
        }
        p->w = (int)((uint32_t)b[16] << 24 | (uint32_t)b[17] << 16 | (uint32_t)b[18] << 8 | b[19]);
        p->h = (int)((uint32_t)b[20] << 24 | (uint32_t)b[21] << 16 | (uint32_t)b[22] << 8 | b[23]);
    }
}

/* ---- connections ----------------------------------------------------------------------- */

enum { C_LISTEN, C_SERVER, C_CLIENT };

typedef struct {
    int type, fd;
    char *in;
    size_t in_len, in_cap;
    char *out;
    size_t out_len, out_off, out_cap;
    int want_out, close_after;
    /* client side: the update in flight */
    long user;
    long long update_id;
    int attempts;
    int64_t t0;
} conn;

static int ep;
static conn *clients;
static long *queue; /* users waiting for a connection, a ring */
static long q_head, q_len, n_done;

static void watch(conn *c, int op)
{
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | (c->want_out ? EPOLLOUT : 0u),
                             .data.ptr = c};
    if (epoll_ctl(ep, op, c->fd, &ev) < 0)
        die("mix: epoll_ctl");
}

static void out_append(conn *c, const char *s, size_t n)
{
    buf_append(&c->out, &c->out_len, &c->out_cap, s, n);
}

/* Writes what is pending and asks for EPOLLOUT while something is left; -1 when broken. A
 * client keeps its request (for a retry), a server forgets what it sent. */
static int flush(conn *c)
{
    int r = send_pending(c->fd, c->out, c->out_len, &c->out_off);
    if (r < 0)
        return -1;
    if (r == 0 && c->type == C_SERVER)
        c->out_off = c->out_len = 0;
    if ((r == 1) != c->want_out) {
        c->want_out = r == 1;
        watch(c, EPOLL_CTL_MOD);
    }
    return 0;
}

/* ---- the users' side: updates ---------------------------------------------------------- */

static user *owner(long long update_id)
{
    long long k = update_id - first_update;
    return k >= 0 && k < owner_cap && update_owner[k] >= 0 ? &users[update_owner[k]] : NULL;
}

static long long new_update(long u)
{
    long long id = next_update++;
    long k = (long)(id - first_update);
    if (k >= owner_cap) {
        long cap = owner_cap ? owner_cap * 2 : 65536;
        update_owner = xrealloc(update_owner, (size_t)cap * sizeof *update_owner);
        for (long i = owner_cap; i < cap; i++)
            update_owner[i] = -1;
        owner_cap = cap;
    }
    update_owner[k] = (int)u;
    return id;
}

static void remember(user *u, int64_t id, int bot, int text, uint64_t hash)
{
    if (u->n_msgs == u->cap_msgs) {
        u->cap_msgs = u->cap_msgs ? u->cap_msgs * 2 : 16;
        u->msgs = xrealloc(u->msgs, (size_t)u->cap_msgs * sizeof *u->msgs);
    }
    u->msgs[u->n_msgs++] =
        (message){.id = id, .hash = hash, .bot = (unsigned char)bot, .text = (unsigned char)text};
}

static message *find_message(user *u, int64_t id)
{
    for (int i = u->n_msgs - 1; i >= 0; i--)
        if (u->msgs[i].id == id)
            return &u->msgs[i];
    return NULL;
}

/* The first button on the latest screen whose callback_data starts with prefix, or NULL. */
static const char *button(const user *u, const char *prefix, char *buf, size_t cap)
{
    size_t plen = strlen(prefix);
    for (const char *p = u->kb; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = (size_t)(nl - p);
        if (len >= plen && strncmp(p, prefix, plen) == 0 && len < cap) {
            memcpy(buf, p, len);
            buf[len] = '\0';
            return buf;
        }
        p = nl + 1;
    }
    return NULL;
}

static const step *cur_step(const user *u)
{
    return &SCRIPTS[u->script].steps[u->step];
}

/* The JSON of user u's next update for its step into buf; its update_id in *id. */
static int build_update(long ui, char *buf, size_t cap, long long *id)
{
    user *u = &users[ui];
    const step *s = cur_step(u);
    long long uid = *id = new_update(ui);
    long long now = (long long)time(NULL);
    char from[256], chat[160];
    snprintf(from, sizeof from,
             "{\"id\":%lld,\"is_bot\":false,\"first_name\":\"User\",\"language_code\":\"%s\"}",
             (long long)u->chat, u->lang);
    snprintf(chat, sizeof chat, "{\"id\":%lld,\"first_name\":\"User\",\"type\":\"private\"}",
             (long long)u->chat);
    if (s->act == 'p' || s->act == 'n') {
        char data[80];
        button(u, s->arg, data, sizeof data); /* present: checked before the step started */
        u->cb_update = uid;
        return snprintf(buf, cap,
                        "{\"update_id\":%lld,\"callback_query\":{\"id\":\"%lld\",\"from\":%s,"
                        "\"message\":{\"message_id\":%lld,\"from\":{\"id\":%d,\"is_bot\":true,"
                        "\"first_name\":\"Bench\",\"username\":\"bench_bot\"},\"chat\":%s,"
                        "\"date\":%lld,\"text\":\"\\u2026\"},\"chat_instance\":\"-%lld\","
                        "\"data\":\"%s\"}}",
                        uid, uid, from, (long long)u->kb_mid, BOT_ID, chat, now - 5,
                        (long long)u->chat * 7919 % 1000000007, data);
    }
    int64_t mid = u->next_mid++;
    remember(u, mid, 0, 1, 0);
    if (s->act == 'a') {
        int k = u->posted % n_photos;
        const photo *p = &photos[k];
        /* thumbnails first, the original last, as Telegram lists a photo's sizes */
        char sizes[1024];
        int n = 0;
        int side[] = {90, 320};
        for (int i = 0; i < 2; i++) {
            int longest = p->w > p->h ? p->w : p->h;
            if (side[i] >= longest)
                break;
            n += snprintf(sizes + n, sizeof sizes - (size_t)n,
                          "{\"file_id\":\"AgACmix%d_%lld_%d\",\"file_unique_id\":\"AQmix%lld%d\","
                          "\"file_size\":%zu,\"width\":%d,\"height\":%d},",
                          k, uid, i, uid, i, p->len / (size_t)(8 - 3 * i), p->w * side[i] / longest,
                          p->h * side[i] / longest);
        }
        snprintf(sizes + n, sizeof sizes - (size_t)n,
                 "{\"file_id\":\"AgACmix%d_%lld\",\"file_unique_id\":\"AQmix%lld\","
                 "\"file_size\":%zu,\"width\":%d,\"height\":%d}",
                 k, uid, uid, p->len, p->w, p->h);
        return snprintf(buf, cap,
                        "{\"update_id\":%lld,\"message\":{\"message_id\":%lld,\"from\":%s,"
                        "\"chat\":%s,\"date\":%lld,\"media_group_id\":\"%lld\",\"photo\":[%s]}}",
                        uid, (long long)mid, from, chat, now, (long long)u->album_group, sizes);
    }
    /* a command carries its bot_command entity; the texts here are ASCII */
    char entities[96] = "";
    if (s->arg[0] == '/')
        snprintf(entities, sizeof entities,
                 ",\"entities\":[{\"offset\":0,\"length\":%zu,\"type\":\"bot_command\"}]",
                 strcspn(s->arg, " @"));
    return snprintf(buf, cap,
                    "{\"update_id\":%lld,\"message\":{\"message_id\":%lld,\"from\":%s,\"chat\":%s,"
                    "\"date\":%lld,\"text\":\"%s\"%s}}",
                    uid, (long long)mid, from, chat, now, s->arg, entities);
}

/* Puts user ui's next update on connection c (the first attempt) or re-sends it (retry). */
static int post(conn *c, long ui, int retry)
{
    if (!retry) { /* a retry sends the request kept in c->out again */
        char body[4096];
        long long id;
        int blen = build_update(ui, body, sizeof body, &id);
        c->user = ui;
        c->update_id = id;
        c->attempts = 0;
        c->t0 = mono_ns();
        user *u = &users[ui];
        if (!u->posted)
            u->t_post = c->t0;
        u->t_last_post = c->t0;
        u->posted++;
        u->state = U_POSTING;
        if (!t_first_post)
            t_first_post = c->t0;
        posted++;
        char head[512];
        int hlen = snprintf(head, sizeof head,
                            "POST /telegram/webhook HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                            "Content-Type: application/json\r\n"
                            "X-Telegram-Bot-Api-Secret-Token: %s\r\nContent-Length: %d\r\n\r\n",
                            webhook_port, secret, blen);
        c->out_len = c->out_off = 0;
        out_append(c, head, (size_t)hlen);
        out_append(c, body, (size_t)blen);
    }
    c->out_off = 0;
    c->in_len = 0;
    c->attempts++;
    return flush(c);
}

static void reconnect(conn *c)
{
    conn_errors++;
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    for (int tries = 0; (c->fd = connect_loopback(webhook_port)) < 0; tries++) {
        if (tries > 50)
            die("mix: reconnect");
        usleep(100000);
    }
    c->want_out = 0;
    watch(c, EPOLL_CTL_ADD);
    if (c->user >= 0) {
        if (c->attempts >= MAX_ATTEMPTS) {
            gave_up++;
            c->user = -1;
        } else {
            retries++;
            if (post(c, c->user, 1) < 0)
                reconnect(c);
        }
    }
}

static void enqueue(long ui)
{
    users[ui].state = U_QUEUED;
    queue[(q_head + q_len++) % (n_warm + n_users)] = ui;
}

/* Starts the user's current step (or finishes the conversation): queues its first update. */
static void begin_step(long ui, int64_t now)
{
    user *u = &users[ui];
    if (u->step >= SCRIPTS[u->script].n) {
        u->state = U_DONE;
        n_done++;
        return;
    }
    const step *s = cur_step(u);
    u->to_post = s->act == 'a' ? atoi(s->arg) : 1;
    u->posted = u->acked = 0;
    u->got_answer = u->got_screen = u->got_reply = 0;
    u->t_post = u->t_reply = u->t_answer = 0;
    if (s->act == 'a')
        u->album_group = 13000000000000000LL + (long long)ui * 100 + u->step;
    char data[80];
    if ((s->act == 'p' || s->act == 'n') && !button(u, s->arg, data, sizeof data)) {
        u->state = U_WAITING; /* the awaited button is not there: stuck, reported at the end */
        u->t_post = now;
        return;
    }
    /* a pause of 0.5–1.5 × the think time (the first one 0–1 ×, so that the users start
     * spread out rather than in step), from a generator of the user's own */
    u->rng ^= u->rng << 13;
    u->rng ^= u->rng >> 7;
    u->rng ^= u->rng << 17;
    double r = (double)(u->rng >> 11) / 9007199254740992.0;
    u->ready_at = now + (int64_t)(think_ms * 1e6 * (r + (u->step ? 0.5 : 0)));
    if (think_ms <= 0)
        enqueue(ui);
    else
        u->state = U_READY;
}

/* The step is complete when everything it waits for arrived and all its updates were acked. */
static void maybe_complete(long ui, int64_t now)
{
    user *u = &users[ui];
    const step *s = cur_step(u);
    if (u->state != U_WAITING && u->state != U_POSTING)
        return;
    if (u->acked < u->to_post)
        return;
    if ((s->act == 'p' || s->act == 'n') && !u->got_answer)
        return;
    if (s->act != 'n' && !u->got_screen)
        return;
    kind k = s->act == 'c' ? K_COMMAND : s->act == 't' ? K_TEXT : s->act == 'a' ? K_PHOTO : K_PRESS;
    if (u->got_reply)
        sample_add(&lat[k], u->t_reply - u->t_post);
    if (s->act == 'p' || s->act == 'n')
        sample_add(&lat_answer, u->t_answer - u->t_post);
    if (s->act == 'a')
        sample_add(&lat_album, now - u->t_last_post);
    processed += u->to_post;
    t_last_done = now;
    u->step++;
    begin_step(ui, now);
}

/* The webhook's answer to the update on c. */
static void on_ack(conn *c, int status, int64_t now)
{
    long ui = c->user;
    user *u = &users[ui];
    c->user = -1;
    sample_add(&lat_ack, now - c->t0);
    acked_n++;
    if (status < 200 || status >= 300)
        bad_status++; /* not re-delivered: the step will be reported stuck */
    u->acked++;
    if (u->posted < u->to_post) { /* the album's next photo, on the same connection */
        if (post(c, ui, 0) < 0)
            reconnect(c);
        return;
    }
    u->state = U_WAITING;
    maybe_complete(ui, now);
}

static void fill_connections(void)
{
    for (int i = 0; i < conc && q_len; i++) {
        conn *c = &clients[i];
        if (c->user >= 0)
            continue;
        long ui = queue[q_head];
        q_head = (q_head + 1) % (n_warm + n_users);
        q_len--;
        if (post(c, ui, 0) < 0)
            reconnect(c);
    }
}

/* Bytes from the webhook: a whole response completes the update in flight. */
static void on_client_input(conn *c, int64_t now)
{
    int broken = read_available(c->fd, &c->in, &c->in_len, &c->in_cap);
    if (c->user < 0) {
        if (broken) { /* the service closes a connection idle for 30 s: no error */
            idle_closed++;
            conn_errors--;
            reconnect(c);
        }
        return;
    }
    int close_after = 0;
    int status = parse_http_response(c->in, c->in_len, &close_after);
    if (status > 0) {
        if (status >= 500 && c->attempts < MAX_ATTEMPTS) {
            retries++; /* Telegram re-delivers what did not get a 2xx */
            if (close_after || broken || post(c, c->user, 1) < 0)
                reconnect(c);
            return;
        }
        c->in_len = 0;
        on_ack(c, status, now);
        if (close_after || broken) {
            reconnect(c);
            conn_errors--; /* an orderly close is not an error */
        }
    } else if (status < 0 || broken) {
        reconnect(c);
    }
}

/* ---- the Bot API side ------------------------------------------------------------------ */

static user *chat_user(json_t *params, long *ui)
{
    json_t *v = json_object_get(params, "chat_id");
    long long chat = json_is_integer(v)  ? (long long)json_integer_value(v)
                     : json_is_string(v) ? strtoll(json_string_value(v), NULL, 10)
                                         : 0;
    long k = (long)(chat - chat_base), w = (long)(chat - chat_base - WARM_OFFSET);
    if (v && k >= 0 && k < n_users)
        k += n_warm;
    else if (v && w >= 0 && w < n_warm)
        k = w;
    else {
        calls_unknown_chat++;
        return NULL;
    }
    *ui = k;
    return &users[k];
}

/* A parameter that may come as JSON or as a JSON-serialized string (form and multipart). */
static json_t *json_param(json_t *params, const char *name)
{
    json_t *v = json_object_get(params, name);
    if (json_is_string(v)) {
        json_t *parsed = json_loads(json_string_value(v), 0, NULL);
        if (parsed) {
            json_object_set_new(params, name, parsed);
            return parsed;
        }
    }
    return v;
}

static uint64_t fnv(const char *s, uint64_t h)
{
    for (; s && *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* The button data of an inline keyboard, each followed by '\n' (NULL when there is none). */
static char *keyboard_data(json_t *markup)
{
    json_t *rows = json_object_get(markup, "inline_keyboard");
    if (!json_is_array(rows) || !json_array_size(rows))
        return NULL;
    size_t len = 0, cap = 256;
    char *out = xrealloc(NULL, cap);
    size_t i, j;
    json_t *row, *b;
    json_array_foreach(rows, i, row) json_array_foreach(row, j, b)
    {
        const char *d = json_string_value(json_object_get(b, "callback_data"));
        if (!d)
            continue;
        size_t n = strlen(d);
        if (len + n + 2 > cap) {
            cap = (len + n + 2) * 2;
            out = xrealloc(out, cap);
        }
        memcpy(out + len, d, n);
        out[len + n] = '\n';
        len += n + 1;
    }
    out[len] = '\0';
    return out;
}

static json_t *bot_user(void)
{
    return json_pack("{s:i,s:b,s:s,s:s}", "id", BOT_ID, "is_bot", 1, "first_name", "Bench",
                     "username", "bench_bot");
}

static json_t *new_message(user *u, json_t *params, const char *text_field)
{
    json_t *m = json_pack("{s:I,s:o,s:{s:I,s:s,s:s},s:I}", "message_id", (json_int_t)u->next_mid,
                          "from", bot_user(), "chat", "id", (json_int_t)u->chat, "first_name",
                          "User", "type", "private", "date", (json_int_t)time(NULL));
    const char *text = json_string_value(json_object_get(params, text_field));
    if (text && *text)
        json_object_set_new(m, text_field, json_string(text));
    json_t *markup = json_object_get(params, "reply_markup");
    if (json_is_object(markup) && json_object_get(markup, "inline_keyboard"))
        json_object_set(m, "reply_markup", markup);
    uint64_t h = fnv(text, 14695981039346656037ULL);
    char *kb = json_is_object(markup) ? json_dumps(markup, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    h = fnv(kb, h);
    free(kb);
    remember(u, u->next_mid++, 1, strcmp(text_field, "text") == 0, h);
    return m;
}

static json_t *photo_sizes(const char *file_id, size_t size)
{
    json_t *a = json_array();
    int sides[] = {90, 320, 800, 1280};
    for (int i = 0; i < 4; i++) {
        char id[96], unique[104];
        snprintf(id, sizeof id, "%s%s", file_id,
                 i < 3 ? (const char *[]){"_s0", "_s1", "_s2"}[i] : "");
        snprintf(unique, sizeof unique, "AQ%s", id);
        json_array_append_new(a, json_pack("{s:s,s:s,s:I,s:i,s:i}", "file_id", id, "file_unique_id",
                                           unique, "file_size",
                                           (json_int_t)(size * (size_t)(i + 1) / 4), "width",
                                           sides[i], "height", sides[i]));
    }
    return a;
}

/* A call of the bot in user ui's chat that shows something: the step's reply, its screen. */
static void on_message_call(long ui, const char *method, json_t *params, int64_t now)
{
    user *u = &users[ui];
    if (u->chat == trace_chat) {
        char *p = json_dumps(params, JSON_COMPACT);
        fprintf(stderr, "mix: trace %lld step %d: %s %s\n", (long long)u->chat, u->step, method, p);
        free(p);
    }
    if (u->state != U_POSTING && u->state != U_WAITING) {
        calls_between_steps++; /* late for its step: it would be taken for the next reply */
        return;
    }
    const step *s = cur_step(u);
    if (!u->got_reply && s->act != 'n') {
        u->got_reply = 1;
        u->t_reply = now;
    }
    if (s->act == 'p' && strncmp(s->arg, "gen:n", 5) == 0 && strcmp(method, "sendMediaGroup") == 0)
        sample_add(&lat_pictures, now - u->t_post);
    int screen = strcmp(method, "sendMessage") == 0 || strcmp(method, "editMessageText") == 0;
    if (!screen)
        return;
    char *kb = keyboard_data(json_object_get(params, "reply_markup"));
    if (kb) {
        free(u->kb);
        u->kb = kb;
        json_t *mid = json_object_get(params, "message_id");
        u->kb_mid = json_is_integer(mid)  ? (int64_t)json_integer_value(mid)
                    : json_is_string(mid) ? strtoll(json_string_value(mid), NULL, 10)
                                          : u->next_mid - 1;
        char data[80];
        if (s->expect && button(u, s->expect, data, sizeof data))
            u->got_screen = 1;
    }
    maybe_complete(ui, now);
}

static const char *const METHODS[] = {
    "sendMessage",    "editMessageText", "answerCallbackQuery", "getFile",        "sendPhoto",
    "sendMediaGroup", "sendDocument",    "deleteMessage",       "sendChatAction", "download",
    "other"};
enum { M_OTHER = 10, M_DOWNLOAD = 9 };

static int method_index(const char *m)
{
    for (int i = 0; i < M_DOWNLOAD; i++)
        if (strcasecmp(m, METHODS[i]) == 0)
            return i;
    return M_OTHER;
}

/* Answers one Bot API call: result (stolen) or a 400 with description. */
static void api_reply(conn *c, json_t *result, const char *error)
{
    json_t *body =
        result ? json_pack("{s:b,s:o}", "ok", 1, "result", result)
               : json_pack("{s:b,s:i,s:s}", "ok", 0, "error_code", 400, "description", error);
    char *s = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    char head[160];
    int n = snprintf(head, sizeof head,
                     "HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                     result ? "200 OK" : "400 Bad Request", strlen(s));
    out_append(c, head, (size_t)n);
    out_append(c, s, strlen(s));
    free(s);
}

static void handle_api_call(conn *c, const char *method, json_t *params, int64_t now)
{
    int m = method_index(method);
    calls_by_method[m]++;
    calls_total++;
    long ui = -1;
    user *u = NULL;
    json_t *result = NULL;
    const char *error = NULL;
    switch (m) {
    case 0: /* sendMessage */
        if ((u = chat_user(params, &ui))) {
            json_param(params, "reply_markup");
            result = new_message(u, params, "text");
        } else
            error = "Bad Request: chat not found";
        break;
    case 1: { /* editMessageText */
        if (!(u = chat_user(params, &ui))) {
            error = "Bad Request: chat not found";
            break;
        }
        json_param(params, "reply_markup");
        json_t *v = json_object_get(params, "message_id");
        int64_t id = json_is_integer(v)  ? (int64_t)json_integer_value(v)
                     : json_is_string(v) ? strtoll(json_string_value(v), NULL, 10)
                                         : 0;
        message *msg = find_message(u, id);
        const char *text = json_string_value(json_object_get(params, "text"));
        char *kb =
            json_dumps(json_object_get(params, "reply_markup"), JSON_COMPACT | JSON_SORT_KEYS);
        uint64_t h = fnv(kb, fnv(text, 14695981039346656037ULL));
        free(kb);
        if (!msg || !msg->bot) {
            edits_unknown++;
            error = msg ? "Bad Request: message can't be edited"
                        : "Bad Request: message to edit not found";
            ui = -1; /* not a reply */
        } else if (!msg->text) {
            error = "Bad Request: there is no text in the message to edit";
        } else if (msg->hash == h) {
            not_modified++;
            error = "Bad Request: message is not modified: specified new message content and "
                    "reply markup are exactly the same as a current content and reply markup "
                    "of the message";
        } else {
            msg->hash = h;
            result =
                json_pack("{s:I,s:o,s:{s:I,s:s,s:s},s:I,s:I,s:s}", "message_id", (json_int_t)id,
                          "from", bot_user(), "chat", "id", (json_int_t)u->chat, "first_name",
                          "User", "type", "private", "date", (json_int_t)time(NULL) - 1,
                          "edit_date", (json_int_t)time(NULL), "text", text ? text : "");
            json_t *markup = json_object_get(params, "reply_markup");
            if (json_is_object(markup))
                json_object_set(result, "reply_markup", markup);
        }
        break;
    }
    case 2: { /* answerCallbackQuery */
        const char *id = json_string_value(json_object_get(params, "callback_query_id"));
        long long uid = id ? strtoll(id, NULL, 10) : 0;
        user *o = owner(uid);
        if (o && o->cb_update == uid && !o->got_answer &&
            (o->state == U_POSTING || o->state == U_WAITING)) {
            o->got_answer = 1;
            o->t_answer = now;
            if (cur_step(o)->act == 'n') {
                o->got_reply = 1;
                o->t_reply = now;
            }
            maybe_complete(o - users, now);
        }
        result = json_true();
        break;
    }
    case 3: { /* getFile: our file ids name the photo */
        const char *id = json_string_value(json_object_get(params, "file_id"));
        int k;
        long long uid;
        if (id && sscanf(id, "AgACmix%d_%lld", &k, &uid) == 2 && k >= 0 && k < n_photos) {
            char path[64], unique[96];
            snprintf(path, sizeof path, "photos/%d_%lld.png", k, uid);
            snprintf(unique, sizeof unique, "AQ%s", id);
            result = json_pack("{s:s,s:s,s:I,s:s}", "file_id", id, "file_unique_id", unique,
                               "file_size", (json_int_t)photos[k].len, "file_path", path);
        } else
            error = "Bad Request: invalid file_id";
        break;
    }
    case 4:   /* sendPhoto */
    case 6: { /* sendDocument */
        if (!(u = chat_user(params, &ui))) {
            error = "Bad Request: chat not found";
            break;
        }
        json_param(params, "reply_markup");
        result = new_message(u, params, "caption");
        char fid[64];
        snprintf(fid, sizeof fid, "AgACsent%lld", (long long)calls_total);
        if (m == 4)
            json_object_set_new(result, "photo", photo_sizes(fid, 100000));
        else
            json_object_set_new(result, "document",
                                json_pack("{s:s,s:s,s:s,s:s,s:i}", "file_id", fid, "file_unique_id",
                                          fid + 4, "file_name", "picture.jpg", "mime_type",
                                          "image/jpeg", "file_size", 100000));
        break;
    }
    case 5: { /* sendMediaGroup */
        if (!(u = chat_user(params, &ui))) {
            error = "Bad Request: chat not found";
            break;
        }
        json_t *media = json_param(params, "media");
        size_t n = json_array_size(media);
        if (n < 2 || n > 10) {
            error = "Bad Request: media must include 2-10 items";
            ui = -1;
            break;
        }
        result = json_array();
        for (size_t i = 0; i < n; i++) {
            json_t *msg = new_message(u, json_array_get(media, i), "caption");
            char fid[64];
            snprintf(fid, sizeof fid, "AgACalbum%lld_%zu", (long long)calls_total, i);
            json_object_set_new(msg, "photo", photo_sizes(fid, 100000));
            json_object_set_new(msg, "media_group_id",
                                json_sprintf("%lld", (long long)calls_total));
            json_array_append_new(result, msg);
        }
        break;
    }
    case 7: /* deleteMessage */
    case 8: /* sendChatAction */
        u = chat_user(params, &ui);
        ui = -1;
        result = json_true();
        break;
    default:
        if (strcasecmp(method, "getMe") == 0) {
            result = bot_user();
            json_object_set_new(result, "can_join_groups", json_true());
        } else
            result = json_true();
    }
    api_reply(c, result, error);
    if (result && ui >= 0 && m != 2 && m != 3)
        on_message_call(ui, METHODS[m], params, now);
    else if (error && u && u->chat == trace_chat)
        fprintf(stderr, "mix: trace %lld: %s refused: %s\n", (long long)u->chat, method, error);
}

/* Text fields of a multipart/form-data body as a JSON object (files are only counted). */
static json_t *parse_multipart(const char *ctype, const char *body, size_t len)
{
    const char *b = ctype ? strstr(ctype, "boundary=") : NULL;
    if (!b)
        return NULL;
    char delim[256];
    b += 9;
    size_t blen = strcspn(b, "\r\n;");
    if (*b == '"')
        b++, blen = strcspn(b, "\"");
    if (blen + 5 > sizeof delim)
        return NULL;
    int dlen = snprintf(delim, sizeof delim, "\r\n--%.*s", (int)blen, b);
    json_t *out = json_object();
    /* the first delimiter has no CRLF before it */
    const char *p = memmem(body, len, delim + 2, (size_t)dlen - 2);
    const char *end = body + len;
    while (p) {
        p += dlen - 2;
        if (end - p >= 2 && memcmp(p, "--", 2) == 0)
            break;
        const char *hend = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
        if (!hend)
            break;
        const char *data = hend + 4;
        const char *next = memmem(data, (size_t)(end - data), delim, (size_t)dlen);
        if (!next)
            break;
        const char *name = memmem(p, (size_t)(hend - p), "name=\"", 6);
        const char *file = memmem(p, (size_t)(hend - p), "filename=", 9);
        if (name && !file) {
            name += 6;
            size_t nlen = strcspn(name, "\"");
            char key[64];
            snprintf(key, sizeof key, "%.*s", (int)(nlen < 63 ? nlen : 63), name);
            json_object_set_new(out, key, json_stringn(data, (size_t)(next - data)));
        } else if (file) {
            upload_bytes += next - data;
        }
        p = next + 2;
    }
    return out;
}

/* Every complete request in c's input: Bot API calls and file downloads. -1 closes c. */
static int on_server_input(conn *c, int64_t now)
{
    size_t off = 0;
    for (;;) {
        http_request r;
        int got = parse_http_request(c->in + off, c->in_len - off, &r);
        if (got < 0)
            return -1;
        if (got == 0)
            break;
        if (r.close)
            c->close_after = 1;
        if (r.chunked) { /* libcurl sends Content-Length for the service's bodies */
            static const char lr[] = "HTTP/1.1 411 Length Required\r\nContent-Length: 0\r\n\r\n";
            out_append(c, lr, sizeof lr - 1);
            c->close_after = 1;
            break;
        }
        char path[512];
        snprintf(path, sizeof path, "%.*s", (int)r.path_len, r.path);
        size_t tlen = strlen(token);
        if (strncmp(path, "/file/bot", 9) == 0 && strncmp(path + 9, token, tlen) == 0) {
            int k;
            long long uid;
            calls_by_method[M_DOWNLOAD]++;
            if (sscanf(path + 9 + tlen, "/photos/%d_%lld.png", &k, &uid) == 2 && k >= 0 &&
                k < n_photos) {
                downloads++;
                download_bytes += (long)photos[k].len;
                char head[160];
                int n = snprintf(head, sizeof head,
                                 "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n"
                                 "Content-Length: %zu\r\n\r\n",
                                 photos[k].len);
                out_append(c, head, (size_t)n);
                out_append(c, photos[k].data, photos[k].len);
            } else {
                static const char nf[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n";
                out_append(c, nf, sizeof nf - 1);
            }
        } else if (strncmp(path, "/bot", 4) == 0 && strncmp(path + 4, token, tlen) == 0 &&
                   path[4 + tlen] == '/') {
            const char *method = path + 5 + tlen;
            json_t *params = NULL;
            if (strncasecmp(r.content_type, "multipart/form-data", 19) == 0)
                params = parse_multipart(r.content_type, r.body, r.body_len);
            else if (r.body_len)
                params = json_loadb(r.body, r.body_len, 0, NULL);
            else
                params = json_object();
            if (!json_is_object(params)) {
                json_decref(params);
                api_reply(c, NULL, "Bad Request: can't parse request");
            } else {
                handle_api_call(c, method, params, now);
                json_decref(params);
            }
        } else {
            static const char nf[] =
                "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: "
                "55\r\n\r\n{\"ok\":false,\"error_code\":404,\"description\":\"Not Found\"}";
            out_append(c, nf, sizeof nf - 1);
        }
        off += (size_t)got;
        if (c->close_after)
            break;
    }
    if (off) {
        memmove(c->in, c->in + off, c->in_len - off);
        c->in_len -= off;
    }
    return 0;
}

/* ---- the report ------------------------------------------------------------------------ */

static double cpu_at_measure; /* own_cpu_s() when the measured phase started */

static double own_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void put_latency(FILE *f, const char *name, samples *s, int comma)
{
    if (s->n)
        qsort(s->v, (size_t)s->n, sizeof *s->v, cmp_i64);
    fprintf(f, "%s\"%s\":{\"n\":%ld,\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"max\":%.3f}",
            comma ? "," : "", name, s->n, pct_ms(s->v, s->n, .50), pct_ms(s->v, s->n, .90),
            pct_ms(s->v, s->n, .99), s->n ? (double)s->v[s->n - 1] / 1e6 : 0);
}

static void report(FILE *f, int timed_out, double run_s)
{
    long finished[S__COUNT] = {0}, total[S__COUNT] = {0}, stuck = 0;
    for (long i = phase_lo; i < phase_hi; i++) {
        total[users[i].script]++;
        if (users[i].state == U_DONE)
            finished[users[i].script]++;
        else
            stuck++;
    }
    samples all = {0};
    for (int k = 0; k < K__COUNT; k++)
        for (long i = 0; i < lat[k].n; i++)
            sample_add(&all, lat[k].v[i]);
    double span = t_last_done > t_first_post ? (double)(t_last_done - t_first_post) / 1e9 : 0;
    double cpu_s = own_cpu_s() - cpu_at_measure;
    fprintf(f,
            "{\"users\":%ld,\"warmup_users\":%ld,\"connections\":%d,\"think_ms\":%.0f,\"time_limit_"
            "s\":%.0f,"
            "\"timed_out\":%s,\"run_seconds\":%.3f,\"updates_posted\":%ld,\"updates_acked\":%ld,"
            "\"updates_processed\":%ld,\"processed_seconds\":%.3f,\"processed_per_s\":%.1f,"
            "\"retries\":%ld,\"connection_errors\":%ld,\"idle_closed\":%ld,\"gave_up\":%ld,"
            "\"non_2xx\":%ld,\"driver_cpu_s\":%.2f,\"conversations\":{",
            n_users, n_warm, conc, think_ms, time_limit, timed_out ? "true" : "false", run_s,
            posted, acked_n, processed, span, span > 0 ? (double)processed / span : 0, retries,
            conn_errors, idle_closed, gave_up, bad_status, cpu_s);
    for (int s = 0; s < S__COUNT; s++)
        fprintf(f, "%s\"%s\":{\"users\":%ld,\"finished\":%ld,\"steps\":%d}", s ? "," : "",
                SCRIPTS[s].name, total[s], finished[s], SCRIPTS[s].n);
    fprintf(f, "},\"finished\":%ld,\"stuck\":%ld,\"latency_ms\":{", n_users - stuck, stuck);
    put_latency(f, "overall", &all, 0);
    for (int k = 0; k < K__COUNT; k++)
        put_latency(f, KIND_NAMES[k], &lat[k], 1);
    put_latency(f, "press_answered", &lat_answer, 1);
    put_latency(f, "album_checked", &lat_album, 1);
    put_latency(f, "pictures_delivered", &lat_pictures, 1);
    put_latency(f, "webhook_ack", &lat_ack, 1);
    fprintf(f,
            "},\"bot_api\":{\"calls\":%ld,\"unknown_chat\":%ld,\"edit_refused\":%ld,"
            "\"not_modified\":%ld,\"downloads\":%ld,\"download_bytes\":%ld,"
            "\"upload_bytes\":%ld,\"between_steps\":%ld,\"by_method\":{",
            calls_total, calls_unknown_chat, edits_unknown, not_modified, downloads, download_bytes,
            upload_bytes, calls_between_steps);
    for (int m = 0; m <= M_OTHER; m++)
        fprintf(f, "%s\"%s\":%ld", m ? "," : "", METHODS[m], calls_by_method[m]);
    fprintf(f, "}},\"stuck_list\":[");
    int listed = 0;
    for (long i = phase_lo; i < phase_hi && listed < 50; i++) {
        user *u = &users[i];
        if (u->state == U_DONE)
            continue;
        const step *s = cur_step(u);
        static const char *const STATES[] = {"think", "queued", "posting", "waiting", "done"};
        fprintf(f,
                "%s{\"chat\":%lld,\"conversation\":\"%s\",\"step\":%d,\"action\":\"%c %s\","
                "\"awaits\":\"%s\",\"state\":\"%s\",\"acked\":%d,\"answered\":%d,"
                "\"screen\":%d,\"keyboard\":\"",
                listed ? "," : "", (long long)u->chat, SCRIPTS[u->script].name, u->step + 1, s->act,
                s->arg, s->expect ? s->expect : "(a notice)", STATES[u->state], u->acked,
                u->got_answer, u->got_screen);
        for (const char *p = u->kb; p && *p; p++)
            fputs(*p == '\n' ? " " : (char[2]){*p, 0}, f);
        fputs("\"}", f);
        listed++;
    }
    fputs("]}\n", f);
}

/* ---- main ------------------------------------------------------------------------------ */

static conn listener;

/* One round of the event loop: answers the Bot API, reads the webhook's answers. */
static void serve_events(int timeout_ms)
{
    struct epoll_event evs[256];
    int n = epoll_wait(ep, evs, 256, timeout_ms);
    if (n < 0 && errno != EINTR)
        die("mix: epoll_wait");
    int64_t now = mono_ns();
    for (int i = 0; i < n; i++) {
        conn *c = evs[i].data.ptr;
        if (c->type == C_LISTEN) {
            int fd;
            while ((fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                int one = 1;
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                conn *nc = calloc(1, sizeof *nc);
                if (!nc)
                    die("mix: calloc");
                nc->type = C_SERVER;
                nc->fd = fd;
                watch(nc, EPOLL_CTL_ADD);
            }
            continue;
        }
        if (c->type == C_CLIENT) {
            if ((evs[i].events & EPOLLOUT) && flush(c) < 0) {
                reconnect(c);
                continue;
            }
            if (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
                on_client_input(c, now);
            continue;
        }
        int dead = 0;
        if (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
            dead = read_available(c->fd, &c->in, &c->in_len, &c->in_cap);
            if (on_server_input(c, now) < 0)
                dead = 1;
        }
        if (flush(c) < 0 || (c->close_after && !c->out_len))
            dead = 1;
        if (dead) {
            epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
            close(c->fd);
            free(c->in);
            free(c->out);
            free(c);
        }
    }
}

/* Serves the Bot API until path exists. */
static void wait_for_file(const char *path)
{
    while (access(path, F_OK) != 0)
        serve_events(50);
}

/* Runs the conversations of users [lo, hi) until all finished or the time limit; 1 when the
 * limit stopped them. */
static int run_phase(long lo, long hi)
{
    phase_lo = lo;
    phase_hi = hi;
    n_done = 0;
    int64_t now = mono_ns(), deadline = now + (int64_t)(time_limit * 1e9);
    for (long i = lo; i < hi; i++)
        begin_step(i, now);
    for (;;) {
        now = mono_ns();
        for (long i = lo; think_ms > 0 && i < hi; i++)
            if (users[i].state == U_READY && users[i].ready_at <= now)
                enqueue(i);
        if (n_done == hi - lo)
            return 0;
        if (now > deadline)
            return 1;
        fill_connections();
        serve_events(5);
    }
}

/* Forgets the warm-up's figures before the measured phase. */
static void reset_results(void)
{
    for (int k = 0; k < K__COUNT; k++)
        lat[k].n = 0;
    lat_answer.n = lat_album.n = lat_pictures.n = lat_ack.n = 0;
    posted = acked_n = processed = retries = conn_errors = gave_up = bad_status = 0;
    idle_closed = calls_total = calls_unknown_chat = edits_unknown = not_modified = 0;
    calls_between_steps = 0;
    downloads = download_bytes = upload_bytes = 0;
    memset(calls_by_method, 0, sizeof calls_by_method);
    t_first_post = t_last_done = 0;
}

static int script_of(long i)
{
    /* spread over the users so that every share starts at once */
    long r = i % 100;
    if (r < generate_pct)
        return S_GENERATE;
    if (r < generate_pct + create_pct)
        return S_CREATE;
    return S_BROWSE;
}

/* The SQL that gives the users who make pictures among n from chat id base a ready avatar
 * (trained, as generate_en.txt sets one up) and credits for every picture they ask for,
 * whatever pictures cost. */
static void print_seed_sql(long long base, long n)
{
    if (n <= 0)
        return;
#define SEED_WHO(what) what " FROM generate_series(0, %ld) g WHERE g %% 100 < %d;\n"
    printf(SEED_WHO("INSERT INTO users (id, first_name) SELECT %lld + g, 'User'"), base, n - 1,
           generate_pct);
    printf(SEED_WHO("INSERT INTO avatars (user_id, name, gender, training_type, status, "
                    "lora_url, trigger_phrase, training_progress) SELECT %lld + g, 'Anna', "
                    "'female', 'portrait', 'completed', "
                    "'https://fal.example/lora.safetensors', 'abv1', 100"),
           base, n - 1, generate_pct);
    printf(SEED_WHO("INSERT INTO credit_ledger (user_id, delta, reason, reference) SELECT "
                    "%lld + g, 1000000, 'adjustment', 'bench/mix.c'"),
           base, n - 1, generate_pct);
#undef SEED_WHO
}

static void usage(void)
{
    fprintf(stderr,
            "usage: mix --webhook-port P --secret S --api-port-file F --start-file G\n"
            "           [--users M] [--conc C] [--chat-base B] [--first-update U] [--think-ms T]\n"
            "           [--time-limit S] [--photos DIR] [--create-pct N] [--generate-pct N]\n"
            "           [--token T] [--api-port P] [--json FILE] [--trace CHAT]\n"
            "           [--warmup-users W --warmed-file F2 --measure-file G2]\n"
            "       mix --print-seed-sql [--users M] [--warmup-users W] [--chat-base B]\n"
            "           [--generate-pct N]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    int seed_sql = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--print-seed-sql")) {
            seed_sql = 1;
            continue;
        }
        const char *v = i + 1 < argc ? argv[++i] : NULL;
        if (!v)
            usage();
        if (!strcmp(a, "--webhook-port"))
            webhook_port = atoi(v);
        else if (!strcmp(a, "--api-port"))
            api_port = atoi(v);
        else if (!strcmp(a, "--api-port-file"))
            api_port_file = v;
        else if (!strcmp(a, "--start-file"))
            start_file = v;
        else if (!strcmp(a, "--secret"))
            secret = v;
        else if (!strcmp(a, "--token"))
            token = v;
        else if (!strcmp(a, "--users"))
            n_users = atol(v);
        else if (!strcmp(a, "--conc"))
            conc = atoi(v);
        else if (!strcmp(a, "--chat-base"))
            chat_base = atoll(v);
        else if (!strcmp(a, "--first-update"))
            first_update = next_update = atoll(v);
        else if (!strcmp(a, "--think-ms"))
            think_ms = atof(v);
        else if (!strcmp(a, "--time-limit"))
            time_limit = atof(v);
        else if (!strcmp(a, "--photos"))
            photos_dir = v;
        else if (!strcmp(a, "--create-pct"))
            create_pct = atoi(v);
        else if (!strcmp(a, "--generate-pct"))
            generate_pct = atoi(v);
        else if (!strcmp(a, "--json"))
            json_path = v;
        else if (!strcmp(a, "--warmup-users"))
            n_warm = atol(v);
        else if (!strcmp(a, "--warmed-file"))
            warmed_file = v;
        else if (!strcmp(a, "--measure-file"))
            measure_file = v;
        else if (!strcmp(a, "--trace"))
            trace_chat = atoll(v);
        else
            usage();
    }
    if (n_users <= 0 || n_warm < 0 || conc <= 0 || create_pct < 0 || generate_pct < 0 ||
        create_pct + generate_pct > 100)
        usage();
    if (seed_sql) {
        /* the generating users' ready avatars (trained, as generate_en.txt sets one up) and
         * credits for every picture they ask for, whatever pictures cost */
        print_seed_sql(chat_base, n_users);
        print_seed_sql(chat_base + WARM_OFFSET, n_warm);
        return 0;
    }
    if (!webhook_port || !api_port_file || !start_file || !photos_dir ||
        (n_warm && (!warmed_file || !measure_file)))
        usage();
    signal(SIGPIPE, SIG_IGN);
    load_photos();

    long n_total = n_warm + n_users;
    users = calloc((size_t)n_total, sizeof *users);
    queue = calloc((size_t)n_total, sizeof *queue);
    clients = calloc((size_t)conc, sizeof *clients);
    if (!users || !queue || !clients)
        die("mix: calloc");
    for (long i = 0; i < n_total; i++) {
        long k = i < n_warm ? i : i - n_warm; /* the index within its group */
        users[i].chat = i < n_warm ? chat_base + WARM_OFFSET + k : chat_base + k;
        users[i].script = script_of(k);
        users[i].lang = k % 3 == 2 ? "ru" : "en";
        users[i].next_mid = 1;
        users[i].rng = 0x9E3779B97F4A7C15ULL * (uint64_t)(i + 1);
    }

    ep = epoll_create1(EPOLL_CLOEXEC);
    listener = (conn){.type = C_LISTEN, .fd = listen_loopback(api_port, &api_port)};
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = &listener};
    epoll_ctl(ep, EPOLL_CTL_ADD, listener.fd, &lev);
    write_port_file(api_port_file, api_port);

    /* the Bot API is served from now on; the users wait for the start file */
    wait_for_file(start_file);
    for (int i = 0; i < conc; i++) {
        clients[i] = (conn){.type = C_CLIENT, .user = -1};
        if ((clients[i].fd = connect_loopback(webhook_port)) < 0)
            die("mix: connect to the webhook");
        watch(&clients[i], EPOLL_CTL_ADD);
    }
    if (n_warm) {
        if (run_phase(0, n_warm) || n_done != n_warm) {
            fprintf(stderr, "mix: the warm-up's conversations did not finish in %.0f s\n",
                    time_limit);
            report(stderr, 1, time_limit);
            return 1;
        }
        write_port_file(warmed_file, 0); /* a file that appears whole */
        wait_for_file(measure_file);
        reset_results();
    }
    cpu_at_measure = own_cpu_s();
    int64_t t_start = mono_ns();
    int timed_out = run_phase(n_warm, n_total);
    double run_s = (double)(mono_ns() - t_start) / 1e9;
    report(stdout, timed_out, run_s);
    if (json_path) {
        FILE *f = fopen(json_path, "w");
        if (!f)
            die("mix: --json");
        report(f, timed_out, run_s);
        if (fclose(f) != 0)
            die("mix: --json");
    }
    return n_done == phase_hi - phase_lo && !timed_out ? 0 : 1;
}
