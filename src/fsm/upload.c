/* The photo-upload screen of an avatar: counts, "add photo", "view", quality tips. The photos
 * themselves are checked by the photo pipeline's jobs; this file only shows the screen and
 * answers its buttons. */
#include <stdio.h>
#include <string.h>

#include "core/json.h"
#include "fsm/event.h"
#include "fsm/fsm.h"
#include "telegram/wire_payload.h"
#include "ui/upload.h"

static int can_upload(const ab_avatar *a)
{
    /* a completed avatar takes photos for its next training (its model stays meanwhile) */
    return strcmp(a->status, "draft") == 0 || strcmp(a->status, "uploading") == 0 ||
           strcmp(a->status, "ready") == 0 || strcmp(a->status, "completed") == 0;
}

ab_err ab_h_continue_upload(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    const ab_avatar *a = ab_fsm_find_avatar(ctx, ctx->arg);
    if (!a || !can_upload(a)) {
        ab_fx_goto(fx, ctx->state);
        return ab_fsm_notice(ctx, fx, AB_MSG_AVATAR_NOT_FOUND);
    }
    fx->data = json_pack("{s:I}", "avatar_id", (json_int_t)a->id);
    return ab_screen_upload(ctx, fx, a->name, a->photos_count, NULL, 1);
}

/* The avatar being uploaded to; NULL (and the user sent to the gallery) when it is gone. */
static const ab_avatar *current(const ab_fsm_ctx *ctx, ab_effects *fx, ab_err *err)
{
    const ab_avatar *a = ab_fsm_data_avatar(ctx);
    *err = AB_OK;
    if (!a) {
        ab_fx_goto(fx, AB_ST_AVATAR_GALLERY);
        *err = ab_screen_gallery(ctx, fx, 0, ab_fsm_text(ctx, AB_MSG_AVATAR_NOT_FOUND), 1);
    }
    return a;
}

ab_err ab_h_upload_screen(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    ab_err err;
    const ab_avatar *a = current(ctx, fx, &err);
    return a ? ab_screen_upload(ctx, fx, a->name, a->photos_count, NULL, 1) : err;
}

ab_err ab_h_upload_back(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    ab_err err;
    const ab_avatar *a = current(ctx, fx, &err);
    return a ? ab_screen_details(ctx, fx, a, NULL, 1) : err;
}

ab_err ab_h_upload_add(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    return ab_fsm_notice(ctx, fx, AB_MSG_ADD_PHOTO_HINT);
}

/* A page of the accepted photos, shown again from their Telegram file_ids (nothing is
 * uploaded), then a message with a delete button per photo and the paging. */
static ab_err show_photos(const ab_fsm_ctx *ctx, ab_effects *fx, int page)
{
    ab_ui_page pg = ab_ui_photo_page_of(ctx->photos_count, page);
    ab_err err;
    if (pg.last - pg.first == 1) {
        err = ab_fx_call(fx, ctx->chat_id, "sendPhoto",
                         ab_tg_send_photo(ctx->chat_id, ctx->photos[pg.first].file_id));
    } else {
        const char *ids[AB_UI_PHOTOS_PAGE];
        for (int i = pg.first; i < pg.last; i++)
            ids[i - pg.first] = ctx->photos[i].file_id;
        err = ab_fx_call(fx, ctx->chat_id, "sendMediaGroup",
                         ab_tg_send_media_group(ctx->chat_id, ids, (size_t)(pg.last - pg.first)));
    }
    if (err != AB_OK)
        return err;
    ab_ui_msg m = {0};
    ab_ui_photo_page(ctx->lang, ctx->photos, pg, &m);
    fx->data = ab_fsm_data_copy(ctx);
    json_object_set_new(fx->data, "photos_page", json_integer(pg.page));
    return ab_fx_send(fx, ctx->chat_id, m.text, m.kb);
}

ab_err ab_h_upload_view(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    ab_err err;
    const ab_avatar *a = current(ctx, fx, &err);
    if (!a)
        return err;
    if (ctx->photos_count == 0) {
        ab_fx_goto(fx, ctx->state);
        return ab_fsm_notice(ctx, fx, AB_MSG_NO_PHOTOS_YET);
    }
    return show_photos(ctx, fx, 0);
}

ab_err ab_h_photo_page(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    ab_err err;
    if (!current(ctx, fx, &err))
        return err;
    if (ctx->photos_count == 0) {
        ab_fx_goto(fx, AB_ST_UPLOADING_PHOTOS);
        return ab_h_upload_screen(ctx, fx);
    }
    return show_photos(ctx, fx, (int)ctx->arg);
}

ab_err ab_h_photo_delete(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    ab_err err;
    const ab_avatar *a = current(ctx, fx, &err);
    if (!a)
        return err;
    int found = -1;
    for (int i = 0; i < ctx->photos_count; i++)
        if (ctx->photos[i].id == ctx->arg)
            found = i;
    if (found < 0) /* another avatar's, another user's, or already gone */
        return ab_fsm_notice(ctx, fx, AB_MSG_PHOTO_NOT_FOUND);
    err = ab_fx_photo_delete_add(fx, ctx->arg);
    if (err == AB_OK)
        err = ab_fsm_notice(ctx, fx, AB_MSG_PHOTO_DELETED);
    if (err != AB_OK)
        return err;
    /* the page again, as it is once the delete is committed */
    ab_photo rest[AB_MAX_PHOTOS];
    int n = 0;
    for (int i = 0; i < ctx->photos_count && n < AB_MAX_PHOTOS; i++)
        if (i != found)
            rest[n++] = ctx->photos[i];
    ab_fsm_ctx after = *ctx;
    after.photos = rest;
    after.photos_count = n;
    if (n == 0) {
        ab_fx_goto(fx, AB_ST_UPLOADING_PHOTOS);
        ab_avatar fewer = *a;
        fewer.photos_count = 0;
        return ab_screen_upload(&after, fx, fewer.name, 0, NULL, 0);
    }
    int64_t page = 0;
    if (ctx->data)
        ab_json_i64(ctx->data, "photos_page", &page);
    return show_photos(&after, fx, (int)page);
}

ab_err ab_h_upload_tips(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    ab_ui_msg m = {0};
    ab_ui_upload_tips(ctx->lang, &m);
    return ab_screen_show(ctx, fx, &m, 1);
}

#define MAX_PHOTO_BYTES (10 * 1024 * 1024)
#define MAX_PHOTOS 50

/* The file the user sent: the largest size of a photo, or an image document. */
typedef struct {
    const char *file_id, *file_unique_id, *mime;
    int64_t size;
    int width, height;
} sent_file;

static int pick_file(const ab_update *u, sent_file *f)
{
    memset(f, 0, sizeof *f);
    json_t *msg = json_object_get(u->root, "message");
    json_t *photos = json_object_get(msg, "photo");
    if (json_is_array(photos) && json_array_size(photos) > 0) {
        size_t i;
        json_t *p;
        int64_t best = -1;
        json_array_foreach(photos, i, p)
        {
            int64_t w = 0, h = 0, size = 0;
            ab_json_i64(p, "width", &w);
            ab_json_i64(p, "height", &h);
            ab_json_i64(p, "file_size", &size);
            if (w * h > best && ab_json_nonempty(p, "file_id")) {
                best = w * h;
                f->file_id = ab_json_str(p, "file_id");
                f->file_unique_id = ab_json_str(p, "file_unique_id");
                f->width = (int)w;
                f->height = (int)h;
                f->size = size;
            }
        }
        f->mime = "image/jpeg"; /* what Telegram says; the job trusts only the bytes */
        return f->file_id != NULL;
    }
    json_t *doc = json_object_get(msg, "document");
    const char *mime = ab_json_str(doc, "mime_type");
    if (!mime || (strcmp(mime, "image/jpeg") != 0 && strcmp(mime, "image/png") != 0))
        return 0;
    f->file_id = ab_json_nonempty(doc, "file_id");
    f->file_unique_id = ab_json_str(doc, "file_unique_id");
    f->mime = mime;
    ab_json_i64(doc, "file_size", &f->size);
    return f->file_id != NULL;
}

ab_err ab_h_photo_received(const ab_fsm_ctx *ctx, ab_effects *fx)
{
    ab_err err;
    const ab_avatar *a = current(ctx, fx, &err);
    if (!a)
        return err;
    if (!ab_fsm_privacy_photo(ctx, fx, a->id, &err))
        return err;
    sent_file f;
    if (!pick_file(ctx->upd, &f))
        return ab_fx_send(fx, ctx->chat_id, ab_fsm_text(ctx, AB_MSG_PHOTO_BAD_TYPE), NULL);
    if (f.size > MAX_PHOTO_BYTES) /* refused before downloading anything */
        return ab_fx_send(fx, ctx->chat_id, ab_fsm_text(ctx, AB_MSG_PHOTO_TOO_LARGE), NULL);
    if (a->photos_total >= MAX_PHOTOS)
        return ab_fx_send(fx, ctx->chat_id, ab_fsm_text(ctx, AB_MSG_PHOTO_LIMIT), NULL);
    char group[96];
    if (ctx->upd->media_group_id)
        snprintf(group, sizeof group, "%s", ctx->upd->media_group_id);
    else
        snprintf(group, sizeof group, "single:%lld", (long long)ctx->upd->update_id);
    /* the runner records the photo, opens the batch (sending this status message when the
     * batch is new) and queues the ingest job */
    ab_fx_photo_create photo = {.avatar_id = a->id,
                                .file_id = f.file_id,
                                .file_unique_id = f.file_unique_id,
                                .mime_type = f.mime,
                                .media_group_id = group,
                                .file_size = f.size,
                                .width = f.width,
                                .height = f.height,
                                .status_text = ab_fsm_text(ctx, AB_MSG_PHOTO_CHECKING)};
    return ab_fx_photo_create_add(fx, &photo);
}
