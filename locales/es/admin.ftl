# Administración: usuarios, roles y permisos, centros, eventos de seguridad, revisión del acceso
# de emergencia, clientes de la API, tareas y entregas, webhooks.
# reviewed: false

## Shared
admin-col-name = Nombre
admin-col-status = Estado
admin-col-code = Código
admin-col-actions = Acciones
admin-col-last-error = Último error
admin-col-attempts = Intentos
admin-col-event = Evento
admin-correct-fields = Corrija los campos marcados abajo.
admin-never = nunca
admin-none = Ninguno
admin-enabled = Habilitado
admin-disabled = Deshabilitado
admin-enable = Habilitar
admin-disable = Deshabilitar
admin-active = Activo
admin-closed = Cerrado
admin-error-name = Escriba un nombre de 200 caracteres como máximo.

## API clients (admin/api_clients.html)
admin-clients-heading = Clientes de la API
admin-clients-intro-1 = Sistemas que llaman a la API de Hearth con sus propias credenciales:
admin-clients-intro-2 = con
admin-clients-intro-3 = . Cada llamada que hacen queda auditada.
admin-clients-issued-client = Cliente
admin-clients-issued-secret = , secreto (se muestra una sola vez; guárdelo en la bóveda de la integración):
admin-clients-none = Aún no hay clientes de la API.
admin-clients-col-client-id = Id. de cliente
admin-clients-col-scopes = Ámbitos
admin-clients-col-allowed = Permitido desde
admin-clients-col-last-used = Último uso ({ $zone })
admin-clients-any-address = cualquier dirección
admin-clients-new-secret = Nuevo secreto
admin-clients-register-heading = Registrar un cliente
admin-clients-import-label = importación masiva con su propio límite
admin-clients-import-hint = Un cliente de importación puede enviar { $rate } solicitudes por minuto (HEARTH_IMPORT_RATE_PER_MIN) en lugar de 600. No concede ningún permiso por sí mismo.
admin-clients-facility = Centro (al que pertenecen los registros que crea)
admin-clients-ip-allow = Direcciones permitidas (una por línea, p. ej. 10.0.0.0/24; vacío: cualquiera)
admin-clients-register = Registrar cliente
admin-clients-error-scopes-none = Elija al menos un ámbito.
admin-clients-error-scopes-unknown = Uno de los ámbitos es desconocido o no puede darse a un cliente.
admin-clients-error-ip = { $line } no es una dirección ni una red como 10.0.0.0/24.
admin-clients-error-facility = Elija un centro de la lista.
admin-clients-enabled-flash = El cliente está habilitado.
admin-clients-disabled-flash = El cliente está deshabilitado; sus tokens dejaron de funcionar.

## Emergency access review (admin/break_glass.html)
admin-glass-heading = Revisión del acceso de emergencia
admin-glass-crumb = Acceso de emergencia
admin-glass-show-unreviewed = Mostrar solo los no revisados
admin-glass-show-all = Mostrar todos, también los revisados
admin-glass-intro = Cada vez que alguien rompió el cristal para abrir un registro restringido: quién, cuándo, qué registro y por qué. Revise cada uso y anote su conclusión.
admin-glass-none-all = No se ha usado el acceso de emergencia.
admin-glass-none-waiting = Nada pendiente de revisión.
admin-glass-caption = Usos del acceso de emergencia
admin-glass-col-when = Cuándo ({ $zone })
admin-glass-col-who = Quién
admin-glass-col-record = Registro
admin-glass-col-reason = Motivo
admin-glass-col-review = Revisión
admin-glass-reviewed-by = Revisado por { $name }, { $date }
admin-glass-note = Nota de revisión
admin-glass-note-placeholder = Conclusión (opcional)
admin-glass-mark-reviewed = Marcar como revisado
admin-glass-reviewed-flash = Marcado como revisado.
# The kinds of reason (patients' access REASONS): keep every code in all languages.
admin-glass-reason-emergency_treatment = Tratamiento de urgencia
admin-glass-reason-urgent_consultation = Consulta urgente
admin-glass-reason-patient_safety = Seguridad del paciente
admin-glass-reason-continuity_of_care = Continuidad asistencial
admin-glass-reason-other = Otro

## Facilities (admin/facilities.html, admin/facility.html)
admin-col-time-zone = Zona horaria
admin-facilities-heading = Centros
admin-facilities-none = Aún no hay centros. Cree el primero abajo.
admin-facilities-col-departments = Servicios
admin-facilities-new = Nuevo centro
admin-facilities-code = Código (prefijo del n.º de historia)
admin-facilities-address = Dirección
admin-facilities-create = Crear centro
admin-facilities-created = Centro creado.
admin-facilities-error-code = Use de 2 a 10 letras o dígitos; el código es el prefijo de los números de historia.
admin-facilities-error-timezone = Escriba el nombre de una zona horaria como Europe/Madrid, America/Mexico_City o UTC.
admin-facilities-error-code-taken = Otro centro tiene este código.
admin-facility-open = Abierto
admin-facility-close = Cerrar el centro
admin-facility-reopen = Reabrir el centro
admin-facility-mrn-heading = Números de historia clínica
admin-facility-next-mrn = Próximo n.º de historia:
admin-facility-mrn-format-1 = Formato del n.º de historia:
admin-facility-mrn-format-2 = (obligatorio),
admin-facility-mrn-format-3 = , y un
admin-facility-mrn-format-4 = o
admin-facility-mrn-format-5 = (n dígitos, con ceros a la izquierda)
admin-facility-save-mrn = Guardar el formato del n.º de historia
admin-facility-mrn-saved = Formato del n.º de historia guardado.
admin-facility-no-departments = Aún no hay servicios.
admin-facility-close-department = Cerrar { $code }
admin-facility-reopen-department = Reabrir { $code }
admin-facility-add-department = Añadir servicio
admin-facility-department-added = Servicio añadido.
admin-facility-error-department-code = Código del servicio: de 1 a 20 letras, dígitos, - o _.
admin-facility-error-department-name = Escriba un nombre de servicio de 200 caracteres como máximo.
admin-facility-error-department-taken = Este centro ya tiene un servicio con ese código.
# Built from the entity (facility, department) and the change (reopened, closed).
admin-facility-facility-reopened = El centro vuelve a estar abierto.
admin-facility-facility-closed = El centro está cerrado.
admin-facility-department-reopened = El servicio vuelve a estar abierto.
admin-facility-department-closed = El servicio está cerrado.

## Roles and permissions (admin/roles.html, admin/role.html, admin/role_confirm.html)
admin-roles-heading = Roles y permisos
admin-roles-crumb = Roles
admin-roles-intro = Abra un rol para ver y cambiar sus permisos, agrupados por módulo; cada cambio se resume para que lo confirme antes de guardarlo. Los superadministradores siempre tienen todos los permisos.
admin-roles-caption = Roles y cuántos de los { $total } permisos tiene cada uno
admin-roles-col-role = Rol
admin-roles-col-purpose = Para qué sirve
admin-roles-col-permissions = Permisos
admin-roles-granted = { $granted } de { $total }
admin-roles-policy-heading = Política de inicio de sesión
admin-roles-policy-caption = Política de inicio de sesión por rol
admin-roles-col-mfa = Verificación en dos pasos obligatoria
admin-roles-col-sessions = Sesiones simultáneas (vacío: sin límite)
admin-roles-mfa-label = { $role }: verificación en dos pasos obligatoria
admin-roles-sessions-label = { $role }: límite de sesiones
admin-roles-save-policy = Guardar la política de inicio de sesión
admin-roles-policy-saved = Política de inicio de sesión guardada.
admin-roles-saved-all = Guardado: { $added } concedidos, { $removed } retirados.
admin-role-title = Rol: { $role }
admin-role-holds = tiene { $checked } de { $total } permisos
admin-role-saved-count = (guardado: { $granted })
admin-role-cannot-save = No se puede guardar: { $error }
admin-role-super-admin = Los superadministradores siempre tienen todos los permisos; este rol no se puede editar.
admin-role-group-count = { $checked } de { $total }
admin-role-locked = usted no tiene este permiso, así que no puede cambiarlo
admin-role-review = Revisar los cambios
admin-role-back = Volver a los roles
admin-role-nothing-to-save = Nada que guardar: no cambió ningún permiso.
admin-role-nothing-changed = No cambió nada.
admin-role-saved = { $role } guardado: { $added } concedidos, { $removed } retirados.
admin-confirm-heading = Confirmar los cambios de { $role }
admin-confirm-nothing-saved = Todavía no se ha guardado nada.
admin-confirm-after = Tras guardar, { $role } tendrá { $after ->
    [one] { $after } permiso
   *[other] { $after } permisos
} (ahora { $now }); los usuarios con este rol reciben el cambio en su próxima solicitud.
admin-confirm-granted = Concedidos ({ $count })
admin-confirm-removed-heading = Retirados ({ $count })
admin-confirm-added = Añadido:
admin-confirm-removed = Retirado:
admin-confirm-save = Guardar estos cambios
admin-confirm-change-selection = Cambiar la selección

## Security events (admin/security.html)
admin-col-time = Hora ({ $zone })
admin-security-heading = Eventos de seguridad
admin-security-last-day = Últimas 24 horas
admin-security-none-last-day = No hay eventos de seguridad en las últimas 24 horas.
admin-security-none = Aún no se ha registrado ningún evento de seguridad.
admin-security-caption = Últimos eventos de seguridad, los más recientes primero
admin-security-col-account = Cuenta
admin-security-full-log = Abrir el registro de auditoría completo →

## Users (admin/users.html, admin/user_form.html)
admin-users-heading = Usuarios
admin-users-new = Nuevo usuario
admin-users-find = Buscar usuarios
admin-users-search-label = Buscar por correo electrónico o nombre
admin-users-search = Buscar
admin-users-none = Ningún usuario coincide.
admin-users-email = Correo electrónico
admin-users-roles = Roles
admin-users-col-last-sign-in = Último inicio de sesión ({ $zone })
admin-users-deactivated = Desactivado
admin-users-locked = Bloqueado
admin-users-crumb-new = Nuevo
admin-user-temp-password = Contraseña temporal (se muestra una sola vez; entréguela al usuario en persona):
admin-user-temp-password-change = El usuario debe elegir una contraseña nueva en su primer inicio de sesión.
admin-user-role-fixed = (no puede cambiar este rol)
admin-user-own-roles-hint = No puede cambiar sus propios roles; otro administrador sí puede.
admin-user-grant-hint = Solo puede conceder roles cuyos permisos tenga usted.
admin-user-save = Guardar
admin-user-create = Crear usuario
admin-user-account = Cuenta
admin-user-status = Estado:
admin-user-locked-why = tras inicios de sesión fallidos
admin-user-last-sign-in = Último inicio de sesión:
admin-user-deactivate-open = Desactivar…
admin-user-deactivate-explain = Desactivar a { $name } cierra todas sus sesiones y revoca sus tokens de la API hasta que la cuenta se reactive.
admin-user-deactivate-confirm = Terminar el acceso de esta cuenta
admin-user-deactivate-reason = Motivo (opcional; se guarda en el registro de auditoría)
admin-user-deactivate = Desactivar la cuenta
admin-user-reactivate = Reactivar
admin-user-reset-password = Forzar el cambio de contraseña
admin-user-reset-mfa = Restablecer la verificación en dos pasos
admin-user-revoke-sessions = Cerrar todas las sesiones
admin-user-activity = Actividad
admin-user-error-no-role = Elija al menos un rol.
admin-user-error-unknown-role = Uno de los roles elegidos no existe.
admin-user-error-role-refused = No puede conceder ni retirar el rol { $roles }: incluye permisos que usted no tiene.
admin-user-error-unknown-facility = Uno de los centros elegidos no existe.
admin-user-error-email = Escriba una dirección de correo electrónico válida.
admin-user-error-email-taken = Ya existe un usuario con este correo electrónico.
admin-user-error-own-roles = No puede cambiar sus propios roles.
admin-user-error-confirm = Marque «Terminar el acceso de esta cuenta» para desactivarla. No se cambió nada.
admin-user-saved = Guardado.
admin-user-saved-signed-out = Guardado. Los roles del usuario cambiaron, así que se cerraron sus sesiones.
admin-user-reactivated = La cuenta vuelve a estar activa.
admin-user-deactivated = La cuenta está desactivada y sus sesiones se cerraron.
admin-user-mfa-reset = Se restableció la verificación en dos pasos y se cerraron las sesiones del usuario.
admin-user-sessions-ended = { $count } sesión(es) cerrada(s).

## Jobs and delivery (admin/jobs.html)
admin-col-created = Creado ({ $zone })
admin-jobs-heading = Tareas y envíos
admin-jobs-intro = Trabajo en segundo plano en espera, en ejecución, fallido (se reintenta con espera creciente) o muerto (sin intentos). Reintentar da a una tarea nuevos intentos; descartarla la elimina. Ambas acciones quedan auditadas.
admin-jobs-filter = Filtrar tareas
admin-jobs-all = Todas
admin-jobs-none = No hay tareas aquí.
admin-jobs-caption = Tareas
admin-jobs-col-id = Id.
admin-jobs-col-kind = Tipo
admin-jobs-col-state = Estado
admin-jobs-col-next-run = Próxima ejecución ({ $zone })
admin-jobs-retry = Reintentar
admin-jobs-discard = Descartar
admin-jobs-retried = La tarea { $id } se ejecutará de nuevo en breve.
admin-jobs-discarded = La tarea { $id } se descartó.
# Job states (codes): keep every one in all languages.
admin-jobs-state-queued = en cola
admin-jobs-state-running = en ejecución
admin-jobs-state-failed = fallida
admin-jobs-state-dead = muerta
admin-jobs-breakers-heading = Cortacircuitos
admin-jobs-breakers-intro = Tras fallos repetidos, las entregas a un proveedor esperan en lugar de saturarlo; al acabar la pausa se deja pasar una entrega de prueba.
admin-jobs-breakers-none = Ningún proveedor ha fallado todavía.
admin-jobs-col-provider = Proveedor
admin-jobs-col-failures = Fallos seguidos
admin-jobs-col-paused-until = En pausa hasta ({ $zone })
# Circuit breaker states (codes): keep every one in all languages.
admin-jobs-breaker-closed = cerrado
admin-jobs-breaker-open = abierto
admin-jobs-breaker-half_open = semiabierto
admin-jobs-messages-heading = Mensajes recientes
admin-jobs-messages-none = Aún no hay mensajes de correo, SMS ni webhook.
admin-jobs-col-channel = Canal
admin-jobs-col-recipient = Destinatario
admin-jobs-schedules-heading = Programaciones periódicas
admin-jobs-col-cron = Cron
admin-jobs-col-job-kind = Tipo de tarea
admin-jobs-col-last-run = Última ejecución

## Webhooks (admin/webhooks.html)
admin-webhooks-heading = Webhooks
admin-webhooks-intro-1 = Los sistemas externos reciben los eventos como POST JSON firmados con HMAC-SHA256: cabecera
admin-webhooks-intro-2 = sobre
admin-webhooks-intro-3 = con
admin-webhooks-intro-4 = es el mismo en cada reintento. Las entregas fallidas se reintentan con espera creciente.
admin-webhooks-issued = Secreto de firma (se muestra una sola vez; guárdelo con el receptor):
admin-webhooks-none = Aún no hay suscriptores.
admin-webhooks-col-url = URL
admin-webhooks-col-events = Eventos
admin-webhooks-send-test = Enviar un evento de prueba
admin-webhooks-register-heading = Registrar un suscriptor
admin-webhooks-register = Registrar
admin-webhooks-history-heading = Historial de entregas
admin-webhooks-history-none = Aún no hay entregas.
admin-webhooks-col-subscriber = Suscriptor
admin-webhooks-col-http = HTTP
admin-webhooks-error-url-long = La URL es demasiado larga.
admin-webhooks-error-events = Elija al menos un tipo de evento de la lista.
admin-webhooks-enabled-flash = El webhook está habilitado.
admin-webhooks-disabled-flash = El webhook está deshabilitado.
admin-webhooks-test-queued = Se puso en cola un evento de prueba.
