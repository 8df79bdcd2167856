# Órdenes: la pestaña Órdenes de la historia, el formulario y la página de la orden, los conjuntos de órdenes, la bandeja de resultados.
# reviewed: false

## Start-page panels
orders-panel-countersign = { $count ->
    [one] { $count } orden verbal o telefónica registrada en su nombre espera su refrendo.
   *[other] { $count } órdenes verbales o telefónicas registradas en su nombre esperan su refrendo.
}
orders-panel-results = { $count ->
    [one] { $count } resultado espera su firma.
   *[other] { $count } resultados esperan su firma.
}
orders-panel-released = publicado { $time }
orders-panel-covering = cubriendo a { $name }
orders-open-inbox = Abrir la bandeja
orders-by = por { $name }
orders-entered-by = registrada por { $name }

## Inbox
orders-inbox-heading = Bandeja de entrada
orders-countersign-heading = Órdenes por refrendar
orders-countersign-none = Ninguna orden verbal o telefónica espera su refrendo.
orders-countersign-caption = Órdenes verbales y telefónicas registradas en su nombre, las más recientes primero
orders-col-entered = Registrada ({ $zone })
orders-col-patient = Paciente
orders-col-order = Orden
orders-col-how = Cómo
orders-col-countersign = Refrendar
orders-countersign = Refrendar
orders-signed-off-heading = Resultados firmados
orders-to-sign-off-heading = Resultados por firmar
orders-signed-off-none = Aún no hay resultados firmados.
orders-to-sign-off-none = Nada espera su firma.
orders-released-caption = Resultados publicados, los más recientes primero
orders-col-released = Publicado ({ $zone })
orders-col-result = Resultado
orders-col-signed-off = Firmado
orders-covering-badge = Cubriendo a { $name }
orders-note-optional = Nota (opcional)
orders-sign-off = Firmar
orders-signed-off-done = El resultado está firmado.
orders-away-heading = Ausencia
orders-away-until = Está ausente hasta
orders-away-cover = { $name } le cubre y recibe sus resultados.
orders-away-back = He vuelto
orders-away-hint = Mientras esté ausente, los resultados publicados de sus órdenes van al colega que le cubre, y los que esperan aquí pasan a esa persona.
orders-away-until-label = Ausente hasta
orders-covered-by = Cubierto por
orders-away-change = Cambiar
orders-away-mark = Marcarme como ausente
orders-away-set = Está marcado como ausente; los nuevos resultados van a quien le cubre.
orders-away-set-moved = Está marcado como ausente; { $count } resultado(s) en espera pasaron a quien le cubre.
orders-away-cleared = Bienvenido de nuevo: los nuevos resultados vuelven a llegarle.

## The Orders tab
orders-tab-heading = Órdenes
orders-order-kind = Pedir { $kind }
orders-set-item-count = { $count ->
    [one] { $count } elemento
   *[other] { $count } elementos
}
orders-filter-show = Mostrar
orders-filter-open = Órdenes abiertas (borrador, activas, en espera)
orders-filter-all = Todas las órdenes
orders-filter-all-kinds = Todos los tipos
orders-filter = Filtrar
orders-filter-clear = Limpiar
orders-none-open = No hay órdenes abiertas.
orders-none = No hay órdenes.
orders-tab-caption = Órdenes, las más recientes primero
orders-col-requested = Solicitada ({ $zone })
orders-col-kind = Tipo
orders-col-status = Estado
orders-col-progress = Progreso
orders-col-ordered-by = Ordenada por
orders-awaiting-countersignature = Pendiente de refrendo

## The order form
orders-new-heading = Nueva orden
orders-new-kind-heading = Nueva orden: { $kind }
orders-what = Qué pedir
orders-priority = Prioridad
orders-encounter = Encuentro
orders-optional = Opcional.
orders-indication = Indicación clínica
orders-entry-legend = ¿Cómo se da la orden?
orders-prescriber = Prescriptor (orden verbal o telefónica)
orders-prescriber-hint = Quién dio la orden; esa persona la refrenda.
orders-read-back = Leí la orden de vuelta al prescriptor, que la confirmó.
orders-place = Registrar la orden
orders-orderable-none = No tiene disponible ningún tipo de orden.
orders-placed-on-behalf = La orden está registrada; espera el refrendo del prescriptor.
orders-draft-saved = El borrador de la orden está guardado; fírmelo para activarlo.
orders-placed-signed = La orden está registrada y firmada.

## The order's page
orders-entry = Registro
orders-read-back-done = leída de vuelta y confirmada
orders-signed = Firmada
orders-countersigned = Refrendada
orders-not-yet = todavía no
orders-started = Iniciada
orders-completed = Completada
orders-sign = Firmar la orden
orders-resume = Reanudar
orders-hold-open = Poner en espera…
orders-hold-reason = ¿Por qué está la orden en espera?
orders-hold = Poner en espera
orders-revoke-open = Revocar…
orders-revoke-reason = ¿Por qué se revoca la orden?
orders-revoke = Revocar
orders-error-open = Registrada por error…
orders-error-reason = ¿Por qué es errónea esta orden?
orders-error = Marcar como registrada por error
orders-results-heading = Resultados
orders-results-none = No hay resultados publicados.
orders-col-inbox-of = Bandeja de
orders-waiting = En espera
orders-all = Todas las órdenes
orders-countersigned-done = La orden está refrendada.
orders-done-sign = La orden está firmada.
orders-done-hold = La orden está en espera.
orders-done-resume = La orden vuelve a estar activa.
orders-done-revoke = La orden está revocada.
orders-done-error = La orden está marcada como registrada por error.

## Order sets
orders-sets-heading = Conjuntos de órdenes
orders-sets-intro = Grupos de órdenes con nombre que un clínico abre sobre un paciente, edita y firma de una vez (todas registradas en una sola transacción).
orders-sets-none = Aún no hay conjuntos de órdenes.
orders-sets-caption = Conjuntos de órdenes por nombre
orders-set-name = Nombre
orders-set-items-heading = Elementos
orders-set-active = Activo
orders-set-retired-badge = Retirado
orders-sets-new-heading = Nuevo conjunto de órdenes
orders-sets-name-hint = P. ej., "Estudio de dolor torácico".
orders-set-description = Descripción
orders-sets-create = Crear
orders-set-created = El conjunto de órdenes está creado; añada sus elementos.
orders-set-title = Conjunto de órdenes
orders-set-heading = Conjunto de órdenes: { $name }
orders-set-items-none = Aún no hay elementos: añada las órdenes que registra el conjunto.
orders-set-items-caption = Los elementos del conjunto, en orden
orders-set-kind-gone = { $kind } (ya no se ofrece)
orders-set-add-heading = Añadir un elemento
orders-col-code = Código
orders-set-code-hint = Un código del catálogo del tipo; empiece a escribir para ver sugerencias.
orders-set-default-priority = Prioridad predeterminada
orders-set-default-indication = Indicación predeterminada
orders-set-add = Añadir
orders-set-details-heading = Nombre y estado
orders-set-active-label = Activo (ofrecido a los clínicos)
orders-sets-all = Todos los conjuntos de órdenes
orders-set-saved = El conjunto de órdenes está guardado.
orders-set-item-added = El elemento está añadido.
orders-set-item-removed = El elemento está quitado.
orders-set-kind-missing = Elija un tipo de orden.
orders-set-code-missing = Indique un código del catálogo del tipo.
orders-set-code-unknown = No es un código pedible de { $kind }.
orders-set-retired = Este conjunto de órdenes está retirado.
orders-set-nothing-placed = No se registró nada.
orders-set-review-hint = Revise los elementos: deje fuera lo que el paciente no necesita, cambie un código, una prioridad o una indicación y luego firme. Todos los elementos se registran juntos, o ninguno.
orders-set-place-caption = Los elementos del conjunto, para editar antes de firmar
orders-col-place = Registrar
orders-col-indication = Indicación
orders-set-place-item = Registrar { $order }
orders-set-code-of = Código de { $order }
orders-set-priority-of = Prioridad de { $order }
orders-set-indication-of = Indicación de { $order }
orders-set-signature = Firma
orders-set-sign-now = Firmar las órdenes ahora
orders-set-save-drafts = Guardarlas como borradores
orders-set-place = Registrar las órdenes
orders-set-entry-invalid = Firme las órdenes ahora o guárdelas como borradores.
orders-set-placed-signed = { $count } orden(es) registrada(s) desde el conjunto y firmada(s).
orders-set-placed-drafts = { $count } orden(es) registrada(s) desde el conjunto como borradores.

## Coded values (keys built from the code: keep them in every language)
orders-status-draft = Borrador
orders-status-active = Activa
orders-status-on-hold = En espera
orders-status-revoked = Revocada
orders-status-completed = Completada
orders-status-entered-in-error = Registrada por error
orders-priority-routine = Rutina
orders-priority-urgent = Urgente
orders-priority-asap = Lo antes posible
orders-priority-stat = Stat (inmediatamente)
orders-mode-electronic = Electrónica
orders-mode-verbal = Orden verbal
orders-mode-telephone = Orden telefónica
orders-mode-short-verbal = Verbal
orders-mode-short-telephone = Telefónica
orders-entry-signed = Firmar ahora
orders-entry-draft = Guardar como borrador (firmar después)
orders-entry-verbal = Orden verbal (en nombre de un prescriptor)
orders-entry-telephone = Orden telefónica (en nombre de un prescriptor)
orders-kind-immunization = Inmunización
orders-kind-lab-test = Prueba de laboratorio
orders-kind-medication = Medicación
orders-kind-imaging = Imagen
