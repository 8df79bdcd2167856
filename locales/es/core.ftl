# Hearth: mensajes de la plataforma (estructura de la página, inicio de sesión, verificación en
# dos pasos, contraseña, sesiones, mi cuenta, errores).
# reviewed: false

app-name = Hearth

## Estructura

shell-skip-to-content = Saltar al contenido
shell-menu = Menú
shell-search-label = Búsqueda global
shell-search-hint = Buscar pacientes y registros
shell-search-placeholder = Buscar (Ctrl+K)
shell-theme-toggle = Cambiar entre tema claro y oscuro
shell-notifications = Notificaciones
shell-notifications-unread = Notificaciones sin leer:
shell-change-password = Cambiar la contraseña
shell-sign-out = Cerrar sesión
shell-nav-main = Principal
shell-breadcrumb = Ruta de navegación
shell-home = Inicio
shell-request = Solicitud

## Navegación

nav-home = Panel
nav-patients = Pacientes
nav-patients-today = Pacientes de hoy
nav-inbox = Bandeja de resultados
nav-orders-sets = Conjuntos de órdenes
nav-icd10 = CIE-10-MC
nav-alerts = Alertas
nav-charges = Cargos
nav-audit = Registro de auditoría
nav-admin-users = Usuarios
nav-admin-roles = Roles
nav-admin-facilities = Centros
nav-admin-security = Eventos de seguridad
nav-admin-jobs = Tareas y envíos
nav-admin-webhooks = Webhooks
nav-admin-break-glass = Acceso de emergencia
nav-admin-api-clients = Clientes de la API
nav-notifications = Notificaciones
nav-account = Mi cuenta

## Inicio de sesión

login-title = Iniciar sesión
login-heading = Iniciar sesión en Hearth
login-email = Correo electrónico
login-password = Contraseña
login-submit = Iniciar sesión
login-idle-note = La sesión termina tras { $minutes } minutos sin actividad. Cinco intentos fallidos bloquean la cuenta durante 15 minutos.
login-failed = No se pudo iniciar sesión: el correo o la contraseña no son correctos, o la cuenta está bloqueada tras varios fallos. Inténtelo de nuevo o consulte a un administrador.
login-signed-out = Ha cerrado la sesión.

## Verificación en dos pasos

mfa-title = Código de verificación
mfa-heading = Introduzca su código de verificación
mfa-intro = Abra su aplicación de autenticación y escriba el código de 6 dígitos de Hearth, o use uno de sus códigos de respaldo.
mfa-code = Código
mfa-verify = Verificar
mfa-email-instead = Enviarme un código por correo
mfa-cancel = Cancelar y cerrar sesión
mfa-code-wrong = El código no es correcto, ha caducado o ya se usó. Pruebe el código más reciente de su aplicación.
mfa-email-unavailable = Los códigos por correo no están disponibles: este servidor no envía correo. Use su aplicación de autenticación o un código de respaldo.
mfa-email-failed = No se pudo enviar el código ahora. Inténtelo en un momento o use su aplicación de autenticación.
mfa-email-sent = Hemos enviado un código de 6 dígitos a su correo. Es válido durante 10 minutos.
mfa-setup-heading = Verificación en dos pasos
mfa-backup-heading = Sus códigos de respaldo
mfa-backup-intro = Cada código sirve una vez, cuando no tenga el teléfono a mano. Guárdelos en un lugar seguro: solo se muestran ahora.
mfa-on = La verificación en dos pasos está activada.
mfa-on-detail = Al iniciar sesión se pide un código de su aplicación de autenticación.
mfa-backup-left = { $count ->
    [one] Queda { $count } código de respaldo sin usar.
   *[other] Quedan { $count } códigos de respaldo sin usar.
}
mfa-current-code = Código actual de su aplicación
mfa-new-backup-codes = Generar nuevos códigos de respaldo
mfa-required = Su rol exige la verificación en dos pasos. Configúrela para continuar.
mfa-step-install = Instale una aplicación de autenticación (por ejemplo FreeOTP, Aegis o Google Authenticator).
mfa-step-scan = Escanee este código o escriba la clave a mano.
mfa-step-type = Escriba el código de 6 dígitos que muestra la aplicación.
mfa-key = Clave:
mfa-app-code = Código de la aplicación
mfa-turn-on = Activar la verificación en dos pasos

## Contraseña

password-heading = Cambiar la contraseña
password-forced = Un administrador le pidió que establezca una contraseña nueva antes de continuar.
password-current = Contraseña actual
password-new = Contraseña nueva (al menos 12 caracteres)
password-confirm = Repita la contraseña nueva
password-submit = Cambiar la contraseña
password-current-wrong = La contraseña actual no es correcta.
password-differ = Las dos contraseñas nuevas no coinciden.
password-reused = Usó esta contraseña hace poco; elija una que no esté entre las últimas { $count }.
password-changed = Su contraseña se cambió. Las demás sesiones se cerraron.

## Sesión terminada

session-ended-heading = Su sesión ha terminado
session-ended-drafts = No se guardó nada del formulario que envió. Tras iniciar sesión volverá a él, con lo que había escrito.
session-ended-sign-in = Iniciar sesión de nuevo
session-ended-title = Sesión terminada
session-ended-timeout = Su sesión terminó tras { $minutes } minutos sin actividad; inicie sesión de nuevo: su borrador se conserva en este navegador.
session-ended-elsewhere = Su sesión ha terminado (cerró sesión o se terminó en otro lugar); inicie sesión de nuevo: su borrador se conserva en este navegador.

## Mis sesiones

sessions-heading = Mis sesiones
sessions-revoke-others = Cerrar todas las demás sesiones
sessions-none = No hay sesiones activas.
sessions-caption = Sesiones activas
sessions-device = Dispositivo
sessions-address = Dirección
sessions-started = Inicio ({ $zone })
sessions-last-seen = Última actividad
sessions-actions = Acciones
sessions-this = Esta sesión

## Mi cuenta

account-heading = Mi cuenta
account-email = Correo electrónico
account-roles = Roles
account-on = Sí
account-off = No
account-active-sessions = Sesiones activas
account-language-heading = Idioma
account-language-label = Idioma de sus páginas
account-language-facility = El idioma de su centro
account-language-save = Guardar el idioma
account-language-saved = Se guardó su idioma.
account-language-invalid = Elija uno de los idiomas ofrecidos.

## Errores

error-check-fields = Revise estos campos e inténtelo de nuevo:
error-field-sep = :
error-go-home = Ir a la página de inicio
error-title-400 = Solicitud incorrecta
error-title-401 = Es necesario iniciar sesión
error-title-403 = Prohibido
error-title-404 = No encontrado
error-title-405 = Método no permitido
error-title-409 = Conflicto
error-title-413 = Solicitud demasiado grande
error-title-415 = Tipo de contenido no admitido
error-title-422 = Datos no válidos
error-title-429 = Demasiadas solicitudes
error-title-500 = Algo salió mal
error-title-503 = Servicio no disponible

## Forms (components/forms.html)

forms-error-summary = { $count ->
    [one] Corrija el campo marcado abajo.
   *[other] Corrija los { $count } campos marcados abajo.
}
forms-nothing-saved = No se guardó nada.
forms-choose = Elija…
forms-not-recorded = Sin registrar
forms-none-recorded = Nada registrado.
forms-save = Guardar
forms-cancel = Cancelar
forms-remove = Quitar
forms-actions = Acciones
forms-opens-new-tab = (se abre en una pestaña nueva)

## Pager (components/_pager.html): `pager-` and the English label, lower case, spaces as dashes

pager-pagination = Paginación
pager-next-page = Página siguiente
pager-first-page = Primera página
pager-older = Anteriores
pager-newest = Más recientes
pager-earlier = Antes
pager-latest = Lo último
pager-older-events = Eventos anteriores
pager-newest-events = Eventos más recientes
pager-older-entries = Entradas anteriores
pager-newest-entries = Entradas más recientes
pager-timeline-pages = Páginas de la cronología
pager-older-results = Resultados anteriores
pager-older-orders = Órdenes anteriores
pager-older-alerts = Alertas anteriores
pager-older-jobs = Tareas anteriores
pager-newest-jobs = Tareas más recientes

## E-mail and SMS frames (notify): patient-facing where it says so

mfa-email-code-title = Su código de inicio de sesión
mfa-email-code-body = Su código de inicio de sesión es { $code }. Es válido durante 10 minutos y sirve una sola vez. Si no intentó iniciar sesión, avise a su administrador.
notify-email-open = Abrir en Hearth
notify-email-footer-user = Enviado por Hearth para { $hospital }. Lo recibe por su configuración de notificaciones; cámbiela en Notificaciones > Configuración. No responda a este mensaje.
notify-email-footer-sign-in = Enviado por Hearth para { $hospital } porque alguien está iniciando sesión en su cuenta. No responda a este mensaje.
notify-email-footer-patient = Enviado por { $hospital }. No responda a este mensaje; para contactarnos, llame al hospital.

## Notifications (notify/list.html, notify/settings.html); the page's title is shell-notifications

notify-settings = Configuración
notify-mark-all-read = Marcar todas como leídas
notify-none = Nada todavía.
notify-urgent = Urgente
notify-unread = (no leída)
notify-mark-read = Marcar como leída
notify-marked-read = Marcada como leída.
notify-marked-all-read = Todas las notificaciones están marcadas como leídas.
notify-settings-heading = Configuración de notificaciones
notify-correct-fields = Corrija los campos marcados abajo.
notify-settings-caption = Canales para cada tipo de notificación
notify-col-kind = Tipo
notify-channel-in_app = En Hearth
notify-channel-email = Correo electrónico
notify-channel-sms = SMS
# The kinds' labels: `notify-kind-` and the kind's code with dots as dashes (keep them in every language).
notify-kind-privacy-break_glass = Alguien rompió el cristal en un registro restringido
notify-kind-orders-countersign = Órdenes pendientes de mi refrendo
notify-kind-orders-result = Resultados pendientes de mi firma
notify-kind-inpatient-bed_assigned = Se asignó una cama a su solicitud de cama
notify-kind-patient-message = Mensaje a un paciente
notify-kind-alerts-alert = Alertas clínicas dirigidas a mí
notify-kind-system-message = Mensajes de los administradores y del sistema
notify-sms-number = Número de móvil para SMS
notify-quiet-hours = Horas de silencio ({ $zone }, la zona horaria de su centro): el correo y los SMS no urgentes esperan hasta que terminen
notify-quiet-from = Desde
notify-quiet-until = Hasta
notify-error-sms = Escriba el número en formato internacional, p. ej. +34600123456.
notify-error-quiet = Indique ambas horas como HH:MM (hora local) y que sean distintas, o deje ambas vacías.
notify-settings-saved = Su configuración de notificaciones está guardada.

## Search (search/page.html, search/suggest.html)

search-heading = Buscar
search-all-records = Buscar en todos los registros
search-label = Busque en todo lo que puede ver: pacientes por nombre, n.º de historia, teléfono, documento de identidad o fecha de nacimiento
search-nothing = Nada coincide con «{ $query }».
search-see-all = Ver todas las coincidencias en { $group } →
search-results = Resultados de la búsqueda
search-all-results = Todos los resultados de «{ $query }» →
# Groups' titles: `search-group-` and the module's English title, lower case, spaces as dashes.
search-group-patients = Pacientes

# Hora del centro en los formularios (layout/time.html).
time-local = Hora local.
time-dst-rule = Una hora que se salta al adelantar los relojes no existe; en la hora que se repite al atrasarlos, se entiende la primera vez salvo que elija el desfase.
time-local-dst = Hora local. { time-dst-rule }
time-local-in = Las horas son locales ({ $zone }).
time-utc-offset = Desfase respecto a UTC
time-automatic = Automático (primera vez)
time-offset-matters = solo importa en la hora que se repite al atrasar los relojes

# Detalles de error de la plataforma (páginas y el `detail` de la API).
error-detail-not-found = No hay nada en esta dirección, o no puede verlo.
error-detail-forbidden = Su rol no permite esto. Pida a un administrador si lo necesita.
error-detail-sign-in = Inicie sesión.
error-detail-internal = El error quedó registrado. Indique el identificador de la solicitud si contacta con soporte.
error-detail-unavailable = No se puede acceder a la base de datos. Inténtelo de nuevo en un momento.
error-detail-busy = El servidor está ocupado y no pudo responder a tiempo. Inténtelo de nuevo en un momento.
error-detail-unreadable = No se pudo leer la solicitud. Revise los campos e inténtelo de nuevo.
error-detail-method = Esta dirección no acepta ese método.
error-detail-too-large = El cuerpo de la solicitud es demasiado grande.
error-detail-media-type = Envíe el cuerpo como application/json (API) o como formulario (páginas).
error-detail-fields = Faltan campos o tienen un tipo incorrecto.
error-detail-failed = La solicitud falló.
error-detail-nul = La solicitud contiene un carácter que no se puede guardar (NUL).
error-detail-unique = Esto duplicaría un registro existente (o uno guardado en el mismo momento).
error-detail-exclusion = Esto se solapa con un registro existente (o uno guardado en el mismo momento).
error-detail-foreign-key = Un registro al que se refiere no existe (o ya no existe), u otros aún se refieren a este.
error-detail-check = Un valor está fuera de lo que este registro permite.
error-detail-not-null = Falta un valor obligatorio.
error-detail-data = Un valor no se puede guardar tal como se dio (fuera de rango o mal formado).
error-detail-state = El registro cambió mientras tanto y ya no permite esto; recargue e inténtelo de nuevo.
error-detail-csrf = No se pudo aceptar el formulario: su página estuvo abierta demasiado tiempo o su sesión terminó. Recargue la página (o inicie sesión de nuevo) y envíelo otra vez; su borrador se conserva en este navegador.

# Navigation entries of the domain modules (`nav` + the entry's path, slashes as dashes).
nav-appointments = Citas
nav-appointments-queue = Cola de consultas externas
nav-appointments-schedules = Agendas de consulta
nav-bednet = Red de camas
nav-billing = Facturación
nav-emar = Rondas de medicación
nav-emergency = Urgencias
nav-inpatient = Tablero de camas
nav-inpatient-config = Salas y camas
nav-inpatient-housekeeping = Limpieza
nav-inpatient-placement = Asignación de camas
nav-insurance-claims = Reclamaciones
nav-laboratory = Laboratorio
nav-pharmacy-dispense = Dispensación
nav-pharmacy-formulary = Formulario
nav-pharmacy-stock = Existencias de farmacia
nav-pharmacy-verify = Validación
nav-radiology = Radiología
nav-surgery = Quirófanos
