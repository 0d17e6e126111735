/* Russian texts (the default language). */
#include "ui/messages.h"

const char *const ab_messages_ru[AB_MSG__COUNT] = {
    [AB_MSG_MAIN_MENU] = "🏠 Главное меню\n\nЗдесь вы создаёте персональные AI-аватары по своим "
                         "фотографиям. Выберите раздел:",
    [AB_MSG_BTN_AVATARS] = "🎭 Аватары",
    [AB_MSG_BTN_HELP] = "❓ Помощь",
    [AB_MSG_AVATAR_MENU] = "🎭 Аватары\n\nАватар — это ваша персональная AI-модель: загрузите "
                           "10–50 фото, и она научится рисовать вас в любом стиле.\n\n"
                           "Ваших аватаров: %d",
    [AB_MSG_BTN_CREATE] = "➕ Создать аватар",
    [AB_MSG_BTN_MY_AVATARS] = "🖼 Мои аватары (%d)",
    [AB_MSG_BTN_BACK_MAIN] = "⬅️ Главное меню",
    [AB_MSG_BTN_BACK] = "⬅️ Назад",
    [AB_MSG_HELP] = "❓ Помощь\n\n"
                    "1. Нажмите «Создать аватар» и выберите тип обучения.\n"
                    "2. Укажите пол и придумайте имя.\n"
                    "3. Загрузите от 10 до 50 фото: лицо хорошо видно, разные ракурсы, "
                    "хороший свет, без фильтров.\n"
                    "4. Запустите обучение — это займёт от 3 до 30 минут, прогресс будет "
                    "виден здесь же.\n\n"
                    "Команды: /start — меню, /cancel — отменить ввод, /help — эта справка.",
    [AB_MSG_CHOOSE_TYPE] = "🎯 Выберите тип обучения\n\n"
                           "👤 Портретный (рекомендуем) — для лиц: Flux LoRA Portrait Trainer, "
                           "3–15 минут.\n"
                           "🎨 Стилевой — универсальный: стили, предметы, концепции; "
                           "Flux Pro Trainer, 5–30 минут.",
    [AB_MSG_BTN_PORTRAIT] = "👤 Портретный",
    [AB_MSG_BTN_STYLE] = "🎨 Стилевой",
    [AB_MSG_BTN_COMPARE] = "📊 Сравнить типы",
    [AB_MSG_GALLERY_EMPTY] = "🖼 Мои аватары\n\nУ вас пока нет аватаров. Создайте первый — это "
                             "займёт пару минут.",
    [AB_MSG_HINT_MENU] = "Пожалуйста, воспользуйтесь кнопками ниже.",
    [AB_MSG_UNKNOWN_COMMAND] = "Не знаю такой команды. Вот меню:",
    [AB_MSG_STALE_BUTTON] = "Эта кнопка уже неактуальна",
    [AB_MSG_COMPARE_TYPES] = "📊 Сравнение типов обучения\n\n"
                             "👤 Портретный\n"
                             "• лучше всего для лиц и портретов\n"
                             "• Flux LoRA Portrait Trainer\n"
                             "• 3–15 минут\n"
                             "• нужны фото, где хорошо видно лицо\n\n"
                             "🎨 Стилевой\n"
                             "• стили, предметы, концепции — и люди тоже\n"
                             "• Flux Pro Trainer\n"
                             "• 5–30 минут\n"
                             "• нужны разнообразные фото одного объекта или стиля",
    [AB_MSG_CONFIRM_PORTRAIT] = "👤 Портретный аватар\n\nFlux LoRA Portrait Trainer учится на "
                                "ваших фото лица и даёт самое точное сходство. Обучение займёт "
                                "3–15 минут.\n\nПродолжить с этим типом?",
    [AB_MSG_CONFIRM_STYLE] = "🎨 Стилевой аватар\n\nFlux Pro Trainer запоминает стиль, предмет или "
                             "образ целиком. Обучение займёт 5–30 минут.\n\nПродолжить с этим "
                             "типом?",
    [AB_MSG_BTN_CONTINUE] = "✅ Продолжить",
    [AB_MSG_CHOOSE_GENDER] = "👤 Укажите пол аватара — так изображения получатся точнее.",
    [AB_MSG_BTN_MALE] = "👨 Мужской",
    [AB_MSG_BTN_FEMALE] = "👩 Женский",
    [AB_MSG_BTN_OTHER] = "🧑 Другое",
    [AB_MSG_ENTER_NAME] = "✏️ Придумайте имя аватару: до 40 символов — буквы, цифры, пробелы, "
                          "«-» и «_». Например: Анна или Я_в_горах.",
    [AB_MSG_NAME_EMPTY] = "Имя не может быть пустым.",
    [AB_MSG_NAME_TOO_LONG] = "Имя длиннее 40 символов — сократите, пожалуйста.",
    [AB_MSG_NAME_BAD_CHARS] = "В имени можно использовать только буквы, цифры, пробелы, «-» и «_».",
    [AB_MSG_NAME_TAKEN] = "Аватар с именем «%s» у вас уже есть — выберите другое имя.",
    [AB_MSG_NAME_AGAIN] = "Попробуйте ещё раз:",
    [AB_MSG_AVATAR_LIMIT] = "У вас уже 10 аватаров — это максимум. Удалите ненужный, чтобы создать "
                            "новый.",
    [AB_MSG_UPLOAD_SCREEN] = "📸 Фото для аватара «%s»\n\nЗагружено: %d/10 (минимум 10, максимум "
                             "50).\n\nОтправьте фото в этот чат — по одному или альбомом.",
    [AB_MSG_BTN_ADD_PHOTO] = "➕ Добавить фото",
    [AB_MSG_BTN_VIEW_PHOTOS] = "👀 Посмотреть (%d)",
    [AB_MSG_BTN_TIPS] = "💡 Советы по фото",
    [AB_MSG_ADD_PHOTO_HINT] = "Отправьте фото в этот чат — можно сразу альбомом",
    [AB_MSG_NO_PHOTOS_YET] = "Пока нет принятых фото",
    [AB_MSG_TIPS] = "💡 Какие фото подходят лучше всего\n\n"
                    "• 10–50 фото, чем разнообразнее — тем лучше\n"
                    "• лицо хорошо видно, без очков и масок\n"
                    "• разные ракурсы, выражения лица и фон\n"
                    "• дневной свет, без сильных теней\n"
                    "• без фильтров, ретуши и других людей в кадре\n"
                    "• чёткие, не размытые, от 512×512 пикселей",
    [AB_MSG_GALLERY_TITLE] = "🖼 Мои аватары (%d)\n",
    [AB_MSG_GALLERY_LINE] = "\n%d. %s — %s, %s",
    [AB_MSG_GALLERY_PAGE] = "\n\nСтраница %d из %d",
    [AB_MSG_BTN_PREV] = "◀️ Назад",
    [AB_MSG_BTN_NEXT] = "Вперёд ▶️",
    [AB_MSG_TYPE_PORTRAIT] = "портретный",
    [AB_MSG_TYPE_STYLE] = "стилевой",
    [AB_MSG_GENDER_MALE] = "мужской",
    [AB_MSG_GENDER_FEMALE] = "женский",
    [AB_MSG_GENDER_OTHER] = "другое",
    [AB_MSG_STATUS_DRAFT] = "черновик",
    [AB_MSG_STATUS_UPLOADING] = "загрузка фото",
    [AB_MSG_STATUS_READY] = "готов к обучению",
    [AB_MSG_STATUS_TRAINING] = "обучается",
    [AB_MSG_STATUS_COMPLETED] = "готов",
    [AB_MSG_STATUS_ERROR] = "ошибка обучения",
    [AB_MSG_STATUS_CANCELLED] = "обучение отменено",
    [AB_MSG_DETAILS] = "🎭 %s\n\nТип: %s\nПол: %s\nСтатус: %s\nФото: %d\nПрогресс обучения: %d%%\n"
                       "Создан: %s",
    [AB_MSG_BTN_CONTINUE_UPLOAD] = "📸 Продолжить загрузку",
    [AB_MSG_BTN_RENAME] = "✏️ Переименовать",
    [AB_MSG_BTN_DELETE] = "🗑 Удалить",
    [AB_MSG_RENAME_PROMPT] = "✏️ Новое имя для аватара «%s» (до 40 символов):",
    [AB_MSG_RENAMED] = "✅ Имя изменено.",
    [AB_MSG_DELETE_CONFIRM] = "🗑 Удалить аватар «%s»?\n\nЕго фото и обученная модель будут "
                              "удалены. Отменить это нельзя.",
    [AB_MSG_BTN_DELETE_YES] = "🗑 Да, удалить",
    [AB_MSG_BTN_DELETE_NO] = "Отмена",
    [AB_MSG_DELETED] = "Аватар «%s» удалён.",
    [AB_MSG_AVATAR_NOT_FOUND] = "Аватар не найден",
    [AB_MSG_CANNOT_DELETE_TRAINING] = "Аватар сейчас обучается — сначала отмените обучение",
    [AB_MSG_CANCELLED] = "Хорошо, отменили.",
    [AB_MSG_HINT_TEXT_NAME] = "Пришлите имя аватара текстом или нажмите /cancel.",
    [AB_MSG_HINT_UPLOAD] = "Сейчас я жду фото для аватара: отправьте фото или документ JPEG/PNG.",
    [AB_MSG_PHOTO_CHECKING] = "📥 Получил, проверяю фото…",
    [AB_MSG_PHOTO_BAD_TYPE] = "Этот файл не подходит: пришлите фото или изображение JPEG/PNG.",
    [AB_MSG_PHOTO_TOO_LARGE] = "Фото больше 10 МБ — пришлите файл поменьше.",
    [AB_MSG_PHOTO_LIMIT] = "У аватара уже 50 фото — это максимум.",
    [AB_MSG_BATCH_PROGRESS] = "📸 Проверено %d из %d: принято %d",
    [AB_MSG_BATCH_REJECTED] = ", отклонено %d (%s)",
    [AB_MSG_BATCH_DONE] = "\n\nЗагружено: %d/10 (минимум 10, максимум 50).",
    [AB_MSG_BATCH_ENOUGH] = "\n✅ Фото достаточно для обучения.",
    [AB_MSG_REASON_UNSUPPORTED_FORMAT] = "формат не JPEG и не PNG",
    [AB_MSG_REASON_DAMAGED] = "файл повреждён",
    [AB_MSG_REASON_TOO_SMALL] = "меньше 512×512",
    [AB_MSG_REASON_TOO_LARGE] = "больше 10 МБ",
    [AB_MSG_REASON_TOO_LARGE_TO_CHECK] = "слишком большое для проверки — пришлите фото поменьше",
    [AB_MSG_REASON_NO_FACE] = "не найдено лицо",
    [AB_MSG_REASON_MANY_FACES] = "несколько лиц — нужен один человек",
    [AB_MSG_REASON_TOO_BLURRY] = "слишком размыто",
    [AB_MSG_REASON_TOO_DARK] = "слишком темно",
    [AB_MSG_REASON_DUPLICATE] = "такое фото уже есть",
    [AB_MSG_REASON_LIMIT] = "уже 50 фото",
    [AB_MSG_REASON_DOWNLOAD_FAILED] = "не удалось скачать",
    [AB_MSG_REASON_CHECK_FAILED] = "не удалось проверить — пришлите другое фото",
    [AB_MSG_PHOTOS_PAGE] = "🖼 Фото %d–%d из %d (выше). Чтобы удалить фото, нажмите 🗑 с его номером.",
    [AB_MSG_BTN_DELETE_N] = "🗑 %d",
    [AB_MSG_PHOTO_DELETED] = "Фото удалено",
    [AB_MSG_PHOTO_NOT_FOUND] = "Фото не найдено",
    [AB_MSG_BTN_TRAIN_START] = "🚀 Начать обучение",
    [AB_MSG_BTN_TRAIN_RETRY] = "🔁 Обучить заново",
    [AB_MSG_BTN_TRAIN_GO] = "✅ Запустить",
    [AB_MSG_BTN_TRAIN_CANCEL] = "⏹ Отменить обучение",
    [AB_MSG_BTN_TRAIN_PROGRESS] = "📊 Прогресс",
    [AB_MSG_BTN_OPEN_AVATAR] = "🎭 Открыть аватар",
    [AB_MSG_CONFIRM_TRAINING] = "🚀 Обучение аватара «%s»\n\nТип: %s\nФото: %d\nОжидаемое время: %d–%d мин\n\nКогда обучение закончится, я пришлю сообщение. Пока оно идёт, ботом можно пользоваться как обычно.",
    [AB_MSG_TRAINING_BUSY] = "⏳ Сейчас обучается аватар «%s». Обучение идёт по одному: дождитесь его окончания или отмените его.",
    [AB_MSG_TRAINING_NEED_PHOTOS] = "Для обучения нужно не меньше 10 принятых фото, у аватара «%s» их %d.",
    [AB_MSG_TRAINING_NOT_STARTABLE] = "Этот аватар сейчас нельзя обучить.",
    [AB_MSG_TRAINING_PREPARING] = "🧠 Обучение «%s»\n⏳ Готовлю фотографии…",
    [AB_MSG_TRAINING_QUEUED] = "🧠 Обучение «%s»\n⏳ В очереди на обучение (позиция %d)…",
    [AB_MSG_TRAINING_PROGRESS] = "🧠 Обучение «%s»\n📊 %d%% · ⏱ осталось около %d мин",
    [AB_MSG_TRAINING_WAITING] = "🧠 Обучение «%s»\n⏳ Жду сервис обучения — он временно недоступен. Я продолжу сам, от вас ничего не нужно.",
    [AB_MSG_TRAINING_STOPPING] = "🧠 Обучение «%s»\n⏹ Останавливаю — сервис обучения ещё не подтвердил остановку. Сообщу, как только подтвердит; до тех пор этот аватар нельзя обучить заново.",
    [AB_MSG_TRAINING_TOO_LONG] = "🧠 Обучение «%s»\n⏹ Оно идёт гораздо дольше положенного, поэтому я его останавливаю. Сообщу, как только сервис обучения подтвердит.",
    [AB_MSG_TRAINING_DONE_LINE] = "🧠 Обучение «%s»\n✅ 100%% · готово",
    [AB_MSG_TRAINING_STOPPED_LINE] = "🧠 Обучение «%s»\n⏹ остановлено",
    [AB_MSG_TRAINING_COMPLETED] = "🎉 Аватар «%s» готов!",
    [AB_MSG_TRAINING_FAILED] = "😔 Обучение аватара «%s» не удалось: %s.\nФото сохранены — можно попробовать ещё раз.",
    [AB_MSG_TRAINING_NOT_STARTED] = "😔 Не получилось запустить обучение аватара «%s»: %s.\nФото сохранены — попробуйте ещё раз позже.",
    [AB_MSG_TRAINING_CANCELLED] = "⏹ Обучение аватара «%s» отменено. Фото сохранены — можно запустить снова.",
    [AB_MSG_TRAINING_CANCELLING] = "Отменяю обучение…",
    [AB_MSG_TRAINING_NOT_RUNNING] = "Обучение этого аватара не идёт",
    [AB_MSG_REASON_FAL_REFUSED] = "сервис обучения не принял задание",
    [AB_MSG_REASON_FAL_FAILED] = "сервис обучения сообщил об ошибке",
    [AB_MSG_REASON_FAL_UNAVAILABLE] = "сервис обучения сейчас недоступен",
    [AB_MSG_REASON_FAL_TOO_LONG] = "оно шло гораздо дольше положенного и было остановлено",
    [AB_MSG_ERROR_GENERIC] = "😔 Что-то пошло не так. Мы уже разбираемся — попробуйте ещё раз "
                             "чуть позже или отправьте /start.",
};
