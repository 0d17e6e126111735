# Merges po/avatarbot.pot into every po/*.po (cmake -DMSGMERGE=... -DDIR=po -P po_merge.cmake).
file(GLOB pos ${DIR}/*.po)
foreach(po IN LISTS pos)
  execute_process(COMMAND ${MSGMERGE} --quiet --no-wrap --add-location=file --update
                          --backup=off ${po} ${DIR}/avatarbot.pot
                  RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "msgmerge failed on ${po}")
  endif()
endforeach()
