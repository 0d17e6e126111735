/* Collecting effects. */
#include "fsm/effects.h"

#include <stdlib.h>
#include <string.h>

#include "telegram/wire_payload.h"

void ab_fx_init(ab_effects *fx)
{
    memset(fx, 0, sizeof *fx);
    fx->next = AB_ST_SAME;
    fx->calls = json_array();
}

void ab_fx_free(ab_effects *fx)
{
    json_decref(fx->data);
    json_decref(fx->calls);
    for (size_t i = 0; i < fx->n_effects; i++)
        if (fx->effects[i].kind == AB_FX_JOB)
            json_decref(fx->effects[i].u.job.payload);
    free(fx->effects);
    for (size_t i = 0; i < fx->n_strings; i++)
        free(fx->strings[i]);
    free(fx->strings);
    memset(fx, 0, sizeof *fx);
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

/* A copy of s owned by fx (NULL stays NULL); *ok false on out of memory. */
static const char *keep(ab_effects *fx, const char *s, bool *ok)
{
    if (!s)
        return NULL;
    if (fx->n_strings == fx->cap_strings) {
        size_t cap = fx->cap_strings ? fx->cap_strings * 2 : 8;
        char **grown = realloc(fx->strings, cap * sizeof *grown);
        if (!grown) {
            *ok = false;
            return NULL;
        }
        fx->strings = grown;
        fx->cap_strings = cap;
    }
    char *copy = strdup(s);
    if (!copy)
        *ok = false;
    else
        fx->strings[fx->n_strings++] = copy;
    return copy;
}

static ab_err push(ab_effects *fx, const ab_effect *e)
{
    if (fx->n_effects == fx->cap_effects) {
        size_t cap = fx->cap_effects ? fx->cap_effects * 2 : 4;
        ab_effect *grown = realloc(fx->effects, cap * sizeof *grown);
        if (!grown)
            return AB_ERR_NOMEM;
        fx->effects = grown;
        fx->cap_effects = cap;
    }
    fx->effects[fx->n_effects++] = *e;
    return AB_OK;
}

ab_err ab_fx_avatar_create_add(ab_effects *fx, const ab_fx_avatar_create *in)
{
    bool ok = true;
    ab_effect e = {.kind = AB_FX_AVATAR_CREATE,
                   .u.avatar_create = {.name = keep(fx, in->name, &ok),
                                       .gender = keep(fx, in->gender, &ok),
                                       .training_type = keep(fx, in->training_type, &ok),
                                       .avatar_type = keep(fx, in->avatar_type, &ok),
                                       .bind = keep(fx, in->bind, &ok)}};
    return ok ? push(fx, &e) : AB_ERR_NOMEM;
}

ab_err ab_fx_avatar_rename_add(ab_effects *fx, int64_t avatar_id, const char *name)
{
    bool ok = true;
    ab_effect e = {.kind = AB_FX_AVATAR_RENAME,
                   .u.avatar_rename = {.avatar_id = avatar_id, .name = keep(fx, name, &ok)}};
    return ok ? push(fx, &e) : AB_ERR_NOMEM;
}

ab_err ab_fx_avatar_delete_add(ab_effects *fx, int64_t avatar_id)
{
    ab_effect e = {.kind = AB_FX_AVATAR_DELETE, .u.avatar_delete = {.avatar_id = avatar_id}};
    return push(fx, &e);
}

ab_err ab_fx_photo_create_add(ab_effects *fx, const ab_fx_photo_create *in)
{
    bool ok = true;
    ab_effect e = {.kind = AB_FX_PHOTO_CREATE, .u.photo_create = *in};
    ab_fx_photo_create *p = &e.u.photo_create;
    p->file_id = keep(fx, in->file_id, &ok);
    p->file_unique_id = keep(fx, in->file_unique_id, &ok);
    p->mime_type = keep(fx, in->mime_type, &ok);
    p->media_group_id = keep(fx, in->media_group_id, &ok);
    p->status_text = keep(fx, in->status_text, &ok);
    return ok ? push(fx, &e) : AB_ERR_NOMEM;
}

ab_err ab_fx_photo_delete_add(ab_effects *fx, int64_t photo_id)
{
    ab_effect e = {.kind = AB_FX_PHOTO_DELETE, .u.photo_delete = {.photo_id = photo_id}};
    return push(fx, &e);
}

ab_err ab_fx_training_start_add(ab_effects *fx, const ab_fx_training_start *in)
{
    bool ok = true;
    ab_effect e = {.kind = AB_FX_TRAINING_START, .u.training_start = *in};
    e.u.training_start.training_type = keep(fx, in->training_type, &ok);
    return ok ? push(fx, &e) : AB_ERR_NOMEM;
}

ab_err ab_fx_generation_start_add(ab_effects *fx, const ab_fx_generation_start *in)
{
    bool ok = true;
    ab_effect e = {.kind = AB_FX_GENERATION_START, .u.generation_start = *in};
    ab_fx_generation_start *g = &e.u.generation_start;
    g->preset = keep(fx, in->preset, &ok);
    g->prompt = keep(fx, in->prompt, &ok);
    g->aspect = keep(fx, in->aspect, &ok);
    g->status_text = keep(fx, in->status_text, &ok);
    return ok ? push(fx, &e) : AB_ERR_NOMEM;
}

ab_err ab_fx_promo_redeem_add(ab_effects *fx, const char *code)
{
    bool ok = true;
    ab_effect e = {.kind = AB_FX_PROMO_REDEEM, .u.promo_redeem.code = keep(fx, code, &ok)};
    return ok ? push(fx, &e) : AB_ERR_NOMEM;
}

ab_err ab_fx_job_add(ab_effects *fx, ab_job_kind kind, int64_t avatar_id, json_t *payload)
{
    ab_effect e = {.kind = AB_FX_JOB,
                   .u.job = {.kind = kind,
                             .avatar_id = avatar_id,
                             .payload = payload ? payload : json_object()}};
    ab_err err = e.u.job.payload ? push(fx, &e) : AB_ERR_NOMEM;
    if (err != AB_OK)
        json_decref(e.u.job.payload);
    return err;
}

const ab_effect *ab_fx_find(const ab_effects *fx, ab_fx_kind kind)
{
    for (size_t i = 0; i < fx->n_effects; i++)
        if (fx->effects[i].kind == kind)
            return &fx->effects[i];
    return NULL;
}

void ab_fx_goto(ab_effects *fx, ab_state next)
{
    fx->next = next;
}
