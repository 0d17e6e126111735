/* What an FSM handler decides: the next state and its data, the Bot API calls to make, the
 * jobs to start. Handlers only fill this in; the step runner writes it all in one transaction. */
#ifndef AB_FSM_EFFECTS_H
#define AB_FSM_EFFECTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "fsm/state.h"

typedef struct {
    ab_state next;     /* AB_ST_SAME keeps the table's choice */
    json_t *data;      /* new chat data (owned), or NULL to keep it */
    json_t *calls;     /* [{"method": m, "chat_id": c, "payload": {...}}] in order */
    json_t *jobs;      /* [{"kind": k, "avatar_id": id, "payload": {...}}] */
    json_t *ops;       /* data changes: [{"op": "avatar_create" | "avatar_rename" |
                        * "avatar_delete", ...}], applied in order by the step runner */
    bool user_blocked; /* the user blocked the bot */
    bool user_unblocked;
    const char *user_language; /* a language the user picked (a catalogue's code), or NULL */
} ab_effects;

void ab_fx_init(ab_effects *fx);
void ab_fx_free(ab_effects *fx);
/** Queues a Bot API call to chat_id; payload is stolen. */
ab_err ab_fx_call(ab_effects *fx, int64_t chat_id, const char *method, json_t *payload);
/** Queues sendMessage; markup (may be NULL) is stolen. */
ab_err ab_fx_send(ab_effects *fx, int64_t chat_id, const char *text, json_t *markup);
/** Queues editMessageText of message_id; markup (may be NULL) is stolen. */
ab_err ab_fx_edit(ab_effects *fx, int64_t chat_id, int64_t message_id, const char *text,
                  json_t *markup);
/** Queues answerCallbackQuery (text may be NULL). */
ab_err ab_fx_answer(ab_effects *fx, int64_t chat_id, const char *callback_id, const char *text);
/** Queues a data change (op is stolen). */
ab_err ab_fx_op(ab_effects *fx, json_t *op);
/** Queues a job of kind for avatar_id with a payload (stolen, may be NULL). */
ab_err ab_fx_job(ab_effects *fx, const char *kind, int64_t avatar_id, json_t *payload);
/** Sets the next state explicitly (overrides the table's target). */
void ab_fx_goto(ab_effects *fx, ab_state next);

#endif
