/* Collecting effects. */
#include "fsm/effects.h"

#include "telegram/keyboard.h"

void ab_fx_init(ab_effects *fx)
{
    fx->next = AB_ST_SAME;
    fx->data = NULL;
    fx->calls = json_array();
    fx->jobs = json_array();
    fx->ops = json_array();
    fx->user_blocked = fx->user_unblocked = false;
    fx->user_language = NULL;
}

void ab_fx_free(ab_effects *fx)
{
    json_decref(fx->data);
    json_decref(fx->calls);
    json_decref(fx->jobs);
    json_decref(fx->ops);
    fx->data = fx->calls = fx->jobs = fx->ops = NULL;
}

ab_err ab_fx_call(ab_effects *fx, int64_t chat_id, const char *method, json_t *payload)
{
    if (!payload || !fx->calls)
        return AB_ERR_NOMEM;
    json_t *call = json_pack("{s:s,s:I,s:o}", "method", method, "chat_id", (json_int_t)chat_id,
                             "payload", payload);
    if (!call)
        return AB_ERR_NOMEM;
    return json_array_append_new(fx->calls, call) == 0 ? AB_OK : AB_ERR_NOMEM;
}

ab_err ab_fx_send(ab_effects *fx, int64_t chat_id, const char *text, json_t *markup)
{
    return ab_fx_call(fx, chat_id, "sendMessage", ab_tg_send_message(chat_id, text, markup));
}

ab_err ab_fx_edit(ab_effects *fx, int64_t chat_id, int64_t message_id, const char *text,
                  json_t *markup)
{
    return ab_fx_call(fx, chat_id, "editMessageText",
                      ab_tg_edit_message(chat_id, message_id, text, markup));
}

ab_err ab_fx_answer(ab_effects *fx, int64_t chat_id, const char *callback_id, const char *text)
{
    return ab_fx_call(fx, chat_id, "answerCallbackQuery",
                      ab_tg_answer_callback(callback_id, text, 0));
}

ab_err ab_fx_op(ab_effects *fx, json_t *op)
{
    if (!op || !fx->ops)
        return AB_ERR_NOMEM;
    return json_array_append_new(fx->ops, op) == 0 ? AB_OK : AB_ERR_NOMEM;
}

ab_err ab_fx_job(ab_effects *fx, const char *kind, int64_t avatar_id, json_t *payload)
{
    json_t *job = json_pack("{s:s,s:I,s:o}", "kind", kind, "avatar_id", (json_int_t)avatar_id,
                            "payload", payload ? payload : json_object());
    if (!job || !fx->jobs)
        return AB_ERR_NOMEM;
    return json_array_append_new(fx->jobs, job) == 0 ? AB_OK : AB_ERR_NOMEM;
}

void ab_fx_goto(ab_effects *fx, ab_state next)
{
    fx->next = next;
}
