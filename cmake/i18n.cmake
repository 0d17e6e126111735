# The translation catalogues: every po/*.po is checked by msgfmt (formats against the source
# texts, header, plural forms) and compiled into a C table at build time, so adding a language
# is adding a PO file (re-run cmake, which globs them). The template po/avatarbot.pot is
# extracted from src/ui/messages_source.c by xgettext: `cmake --build build --target pot`
# refreshes it and merges it into the PO files (new texts arrive untranslated, changed ones
# fuzzy, and the build's test po_catalogs fails until a translator has seen them).
find_package(Python3 REQUIRED COMPONENTS Interpreter)
find_program(AB_MSGFMT msgfmt REQUIRED)
find_program(AB_XGETTEXT xgettext REQUIRED)
find_program(AB_MSGMERGE msgmerge REQUIRED)
set(AB_DEFAULT_LANGUAGE ru CACHE STRING "Language of users whose Telegram language has no catalogue")

file(GLOB AB_PO_FILES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/po/*.po)
set(AB_MO_FILES)
foreach(po IN LISTS AB_PO_FILES)
  get_filename_component(lang ${po} NAME_WE)
  set(mo ${CMAKE_BINARY_DIR}/po/${lang}.mo)
  add_custom_command(
    OUTPUT ${mo}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/po
    COMMAND ${AB_MSGFMT} --check -o ${mo} ${po}
    DEPENDS ${po}
    COMMENT "Checking and compiling po/${lang}.po" VERBATIM)
  list(APPEND AB_MO_FILES ${mo})
endforeach()

add_custom_command(
  OUTPUT ${CMAKE_BINARY_DIR}/generated/catalogs.c
  COMMAND ${Python3_EXECUTABLE} ${CMAKE_SOURCE_DIR}/cmake/po_to_c.py
          --default ${AB_DEFAULT_LANGUAGE} -o ${CMAKE_BINARY_DIR}/generated/catalogs.c ${AB_MO_FILES}
  DEPENDS ${AB_MO_FILES} ${CMAKE_SOURCE_DIR}/cmake/po_to_c.py
  COMMENT "Compiling the translation catalogues" VERBATIM)

# How xgettext reads the source texts (the test po_catalogs extracts the same way).
set(AB_XGETTEXT_ARGS --from-code=UTF-8 --language=C --keyword= --keyword=N_:1 --keyword=NP_:1,2
    --keyword=NC_:1c,2 --package-name=avatarbot --msgid-bugs-address= --no-wrap
    --add-location=file)
add_custom_target(pot
  COMMAND ${AB_XGETTEXT} ${AB_XGETTEXT_ARGS} -o po/avatarbot.pot src/ui/messages_source.c
  COMMAND ${CMAKE_COMMAND} -DMSGMERGE=${AB_MSGMERGE} -DDIR=${CMAKE_SOURCE_DIR}/po
          -P ${CMAKE_SOURCE_DIR}/cmake/po_merge.cmake
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
  COMMENT "Extracting po/avatarbot.pot and merging it into po/*.po" VERBATIM)
