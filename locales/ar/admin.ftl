# الإدارة: المستخدمون، الأدوار والصلاحيات، المنشآت، الأحداث الأمنية، مراجعة الوصول الطارئ،
# عملاء الواجهة البرمجية، المهام والتسليم، خطافات الويب.
# reviewed: false

## Shared
admin-col-name = الاسم
admin-col-status = الحالة
admin-col-code = الرمز
admin-col-actions = الإجراءات
admin-col-last-error = آخر خطأ
admin-col-attempts = المحاولات
admin-col-event = الحدث
admin-correct-fields = يرجى تصحيح الحقول المشار إليها أدناه.
admin-never = أبدًا
admin-none = لا شيء
admin-enabled = مفعّل
admin-disabled = معطّل
admin-enable = تفعيل
admin-disable = تعطيل
admin-active = نشط
admin-closed = مغلق
admin-error-name = أدخل اسمًا لا يزيد على 200 حرف.

## API clients (admin/api_clients.html)
admin-clients-heading = عملاء الواجهة البرمجية
admin-clients-intro-1 = أنظمة تستدعي واجهة Hearth البرمجية ببيانات اعتمادها الخاصة:
admin-clients-intro-2 = مع
admin-clients-intro-3 = . كل استدعاء تجريه يُسجَّل في سجل التدقيق.
admin-clients-issued-client = العميل
admin-clients-issued-secret = ، السر (يُعرض مرة واحدة، احفظه في خزنة نظام التكامل):
admin-clients-none = لا يوجد عملاء للواجهة البرمجية بعد.
admin-clients-col-client-id = معرّف العميل
admin-clients-col-scopes = النطاقات
admin-clients-col-allowed = مسموح من
admin-clients-col-last-used = آخر استخدام ({ $zone })
admin-clients-any-address = أي عنوان
admin-clients-new-secret = سر جديد
admin-clients-register-heading = تسجيل عميل
admin-clients-import-label = استيراد جماعي بمعدّله الخاص
admin-clients-import-hint = يمكن لعميل الاستيراد إرسال { $rate } طلبًا في الدقيقة (HEARTH_IMPORT_RATE_PER_MIN) بدلًا من 600. ولا يمنح أي صلاحية بذاته.
admin-clients-facility = المنشأة (التي تتبعها السجلات التي ينشئها)
admin-clients-ip-allow = العناوين المسموح بها (عنوان في كل سطر، مثل 10.0.0.0/24؛ فارغ: أي عنوان)
admin-clients-register = تسجيل العميل
admin-clients-error-scopes-none = اختر نطاقًا واحدًا على الأقل.
admin-clients-error-scopes-unknown = أحد النطاقات غير معروف أو لا يجوز منحه لعميل.
admin-clients-error-ip = { $line } ليس عنوانًا ولا شبكة مثل 10.0.0.0/24.
admin-clients-error-facility = اختر منشأة من القائمة.
admin-clients-enabled-flash = العميل مفعّل.
admin-clients-disabled-flash = العميل معطّل؛ توقفت رموزه عن العمل.

## Emergency access review (admin/break_glass.html)
admin-glass-heading = مراجعة الوصول الطارئ
admin-glass-crumb = الوصول الطارئ
admin-glass-show-unreviewed = عرض غير المراجَع فقط
admin-glass-show-all = عرض الكل، بما فيه المراجَع
admin-glass-intro = كل مرة كسر فيها أحدهم الزجاج لفتح سجل مقيّد: من، ومتى، وأي سجل، ولماذا. راجع كل استخدام وسجّل استنتاجك.
admin-glass-none-all = لم يُستخدم الوصول الطارئ.
admin-glass-none-waiting = لا شيء بانتظار المراجعة.
admin-glass-caption = استخدامات الوصول الطارئ
admin-glass-col-when = متى ({ $zone })
admin-glass-col-who = من
admin-glass-col-record = السجل
admin-glass-col-reason = السبب
admin-glass-col-review = المراجعة
admin-glass-reviewed-by = راجعه { $name }، { $date }
admin-glass-note = ملاحظة المراجعة
admin-glass-note-placeholder = الاستنتاج (اختياري)
admin-glass-mark-reviewed = وضع علامة «تمت المراجعة»
admin-glass-reviewed-flash = وُضعت علامة «تمت المراجعة».
# The kinds of reason (patients' access REASONS): keep every code in all languages.
admin-glass-reason-emergency_treatment = علاج طارئ
admin-glass-reason-urgent_consultation = استشارة عاجلة
admin-glass-reason-patient_safety = سلامة المريض
admin-glass-reason-continuity_of_care = استمرارية الرعاية
admin-glass-reason-other = أخرى

## Facilities (admin/facilities.html, admin/facility.html)
admin-col-time-zone = المنطقة الزمنية
admin-facilities-heading = المنشآت
admin-facilities-none = لا توجد منشآت بعد. أنشئ أولاها أدناه.
admin-facilities-col-departments = الأقسام
admin-facilities-new = منشأة جديدة
admin-facilities-code = الرمز (بادئة رقم الملف الطبي)
admin-facilities-address = العنوان
admin-facilities-create = إنشاء المنشأة
admin-facilities-created = أُنشئت المنشأة.
admin-facilities-error-code = استخدم من 2 إلى 10 أحرف أو أرقام؛ الرمز بادئة أرقام الملفات الطبية.
admin-facilities-error-timezone = أدخل اسم منطقة زمنية مثل Asia/Riyadh أو Africa/Cairo أو UTC.
admin-facilities-error-code-taken = منشأة أخرى تحمل هذا الرمز.
admin-facility-open = مفتوحة
admin-facility-close = إغلاق المنشأة
admin-facility-reopen = إعادة فتح المنشأة
admin-facility-mrn-heading = أرقام الملفات الطبية
admin-facility-next-mrn = رقم الملف الطبي التالي:
admin-facility-mrn-format-1 = صيغة رقم الملف الطبي:
admin-facility-mrn-format-2 = (إلزامي)،
admin-facility-mrn-format-3 = ، وواحد من
admin-facility-mrn-format-4 = أو
admin-facility-mrn-format-5 = (n رقمًا، مع أصفار بادئة)
admin-facility-save-mrn = حفظ صيغة رقم الملف الطبي
admin-facility-mrn-saved = حُفظت صيغة رقم الملف الطبي.
admin-facility-no-departments = لا توجد أقسام بعد.
admin-facility-close-department = إغلاق { $code }
admin-facility-reopen-department = إعادة فتح { $code }
admin-facility-add-department = إضافة قسم
admin-facility-department-added = أُضيف القسم.
admin-facility-error-department-code = رمز القسم: من 1 إلى 20 حرفًا أو رقمًا أو - أو _.
admin-facility-error-department-name = أدخل اسم قسم لا يزيد على 200 حرف.
admin-facility-error-department-taken = لدى هذه المنشأة قسم بهذا الرمز بالفعل.
# Built from the entity (facility, department) and the change (reopened, closed).
admin-facility-facility-reopened = المنشأة مفتوحة من جديد.
admin-facility-facility-closed = المنشأة مغلقة.
admin-facility-department-reopened = القسم مفتوح من جديد.
admin-facility-department-closed = القسم مغلق.

## Roles and permissions (admin/roles.html, admin/role.html, admin/role_confirm.html)
admin-roles-heading = الأدوار والصلاحيات
admin-roles-crumb = الأدوار
admin-roles-intro = افتح دورًا لعرض صلاحياته وتغييرها، مجمّعة حسب الوحدة؛ يُلخَّص كل تغيير لتؤكده قبل حفظه. يملك المشرفون العامّون كل الصلاحيات دائمًا.
admin-roles-caption = الأدوار وعدد ما يملكه كل منها من الصلاحيات البالغة { $total }
admin-roles-col-role = الدور
admin-roles-col-purpose = الغرض منه
admin-roles-col-permissions = الصلاحيات
admin-roles-granted = { $granted } من { $total }
admin-roles-policy-heading = سياسة تسجيل الدخول
admin-roles-policy-caption = سياسة تسجيل الدخول حسب الدور
admin-roles-col-mfa = التحقق بخطوتين إلزامي
admin-roles-col-sessions = الجلسات المتزامنة (فارغ: بلا حد)
admin-roles-mfa-label = { $role }: التحقق بخطوتين إلزامي
admin-roles-sessions-label = { $role }: حد الجلسات
admin-roles-save-policy = حفظ سياسة تسجيل الدخول
admin-roles-policy-saved = حُفظت سياسة تسجيل الدخول.
admin-roles-saved-all = حُفظ: مُنحت { $added }، وسُحبت { $removed }.
admin-role-title = الدور: { $role }
admin-role-holds = يملك { $checked } من { $total } صلاحية
admin-role-saved-count = (المحفوظ: { $granted })
admin-role-cannot-save = لا يمكن الحفظ: { $error }
admin-role-super-admin = يملك المشرفون العامّون كل الصلاحيات دائمًا؛ لا يمكن تعديل هذا الدور.
admin-role-group-count = { $checked } من { $total }
admin-role-locked = لا تملك هذه الصلاحية، لذا لا يمكنك تغييرها
admin-role-review = مراجعة التغييرات
admin-role-back = العودة إلى الأدوار
admin-role-nothing-to-save = لا شيء للحفظ: لم تتغير أي صلاحية.
admin-role-nothing-changed = لم يتغير شيء.
admin-role-saved = حُفظ { $role }: مُنحت { $added }، وسُحبت { $removed }.
admin-confirm-heading = تأكيد التغييرات على { $role }
admin-confirm-nothing-saved = لم يُحفظ شيء بعد.
admin-confirm-after = بعد الحفظ، سيملك { $role } { $after ->
    [zero] { $after } صلاحية
    [one] صلاحية واحدة
    [two] صلاحيتين
    [few] { $after } صلاحيات
   *[other] { $after } صلاحية
} (حاليًا { $now })؛ يحصل مستخدمو هذا الدور على التغيير في طلبهم التالي.
admin-confirm-granted = الممنوحة ({ $count })
admin-confirm-removed-heading = المسحوبة ({ $count })
admin-confirm-added = أُضيفت:
admin-confirm-removed = سُحبت:
admin-confirm-save = حفظ هذه التغييرات
admin-confirm-change-selection = تغيير الاختيار

## Security events (admin/security.html)
admin-col-time = الوقت ({ $zone })
admin-security-heading = أحداث الأمان
admin-security-last-day = آخر 24 ساعة
admin-security-none-last-day = لا أحداث أمنية في آخر 24 ساعة.
admin-security-none = لم يُسجَّل أي حدث أمني بعد.
admin-security-caption = آخر الأحداث الأمنية، الأحدث أولًا
admin-security-col-account = الحساب
admin-security-full-log = فتح سجل التدقيق الكامل ←

## Users (admin/users.html, admin/user_form.html)
admin-users-heading = المستخدمون
admin-users-new = مستخدم جديد
admin-users-find = البحث عن المستخدمين
admin-users-search-label = البحث بالبريد الإلكتروني أو الاسم
admin-users-search = بحث
admin-users-none = لا يوجد مستخدمون مطابقون.
admin-users-email = البريد الإلكتروني
admin-users-roles = الأدوار
admin-users-col-last-sign-in = آخر تسجيل دخول ({ $zone })
admin-users-deactivated = معطَّل
admin-users-locked = مقفل
admin-users-crumb-new = جديد
admin-user-temp-password = كلمة مرور مؤقتة (تُعرض مرة واحدة، سلّمها للمستخدم شخصيًا):
admin-user-temp-password-change = يجب على المستخدم اختيار كلمة مرور جديدة عند أول تسجيل دخول.
admin-user-role-fixed = (لا يمكنك تغيير هذا الدور)
admin-user-own-roles-hint = لا يمكنك تغيير أدوارك؛ يستطيع ذلك مسؤول آخر.
admin-user-grant-hint = لا يمكنك منح إلا الأدوار التي تملك أنت صلاحياتها.
admin-user-save = حفظ
admin-user-create = إنشاء المستخدم
admin-user-account = الحساب
admin-user-status = الحالة:
admin-user-locked-why = بعد محاولات تسجيل دخول فاشلة
admin-user-last-sign-in = آخر تسجيل دخول:
admin-user-deactivate-open = تعطيل…
admin-user-deactivate-explain = تعطيل { $name } يُخرجه من كل مكان ويلغي رموز الواجهة البرمجية الخاصة به حتى يُعاد تفعيل الحساب.
admin-user-deactivate-confirm = إنهاء وصول هذا الحساب
admin-user-deactivate-reason = السبب (اختياري، يُحفظ في سجل التدقيق)
admin-user-deactivate = تعطيل الحساب
admin-user-reactivate = إعادة التفعيل
admin-user-reset-password = فرض إعادة تعيين كلمة المرور
admin-user-reset-mfa = إعادة تعيين التحقق بخطوتين
admin-user-revoke-sessions = تسجيل الخروج من كل مكان
admin-user-activity = النشاط
admin-user-error-no-role = اختر دورًا واحدًا على الأقل.
admin-user-error-unknown-role = أحد الأدوار المختارة غير موجود.
admin-user-error-role-refused = لا يجوز لك منح الدور { $roles } أو سحبه: فهو يتضمن صلاحيات لا تملكها.
admin-user-error-unknown-facility = إحدى المنشآت المختارة غير موجودة.
admin-user-error-email = أدخل عنوان بريد إلكتروني صالحًا.
admin-user-error-email-taken = يوجد مستخدم بهذا البريد الإلكتروني بالفعل.
admin-user-error-own-roles = لا يمكنك تغيير أدوارك.
admin-user-error-confirm = حدّد «إنهاء وصول هذا الحساب» لتعطيله. لم يتغير شيء.
admin-user-saved = حُفظ.
admin-user-saved-signed-out = حُفظ. تغيرت أدوار المستخدم، لذا أُنهيت جلساته.
admin-user-reactivated = الحساب نشط من جديد.
admin-user-deactivated = عُطّل الحساب وأُنهيت جلساته.
admin-user-mfa-reset = أُعيد تعيين التحقق بخطوتين وأُنهيت جلسات المستخدم.
admin-user-sessions-ended = أُنهيت { $count } جلسة.

## Jobs and delivery (admin/jobs.html)
admin-col-created = أُنشئ ({ $zone })
admin-jobs-heading = المهام والإرسال
admin-jobs-intro = أعمال في الخلفية منتظرة أو قيد التشغيل أو فاشلة (يُعاد تشغيلها بتأخير متزايد) أو ميتة (استنفدت محاولاتها). إعادة المحاولة تمنح المهمة محاولات جديدة؛ والتجاهل يحذفها. وكلاهما يُسجَّل في سجل التدقيق.
admin-jobs-filter = تصفية المهام
admin-jobs-all = الكل
admin-jobs-none = لا مهام هنا.
admin-jobs-caption = المهام
admin-jobs-col-id = المعرّف
admin-jobs-col-kind = النوع
admin-jobs-col-state = الحالة
admin-jobs-col-next-run = التشغيل التالي ({ $zone })
admin-jobs-retry = إعادة المحاولة
admin-jobs-discard = تجاهل
admin-jobs-retried = ستعمل المهمة { $id } مجددًا قريبًا.
admin-jobs-discarded = تم تجاهل المهمة { $id }.
# Job states (codes): keep every one in all languages.
admin-jobs-state-queued = في الطابور
admin-jobs-state-running = قيد التشغيل
admin-jobs-state-failed = فاشلة
admin-jobs-state-dead = ميتة
admin-jobs-breakers-heading = قواطع الدائرة
admin-jobs-breakers-intro = بعد إخفاقات متكررة تنتظر عمليات التسليم إلى المزوّد بدلًا من إغراقه؛ ويُسمح بتسليم تجريبي واحد عند انتهاء التوقف.
admin-jobs-breakers-none = لم يخفق أي مزوّد بعد.
admin-jobs-col-provider = المزوّد
admin-jobs-col-failures = الإخفاقات المتتالية
admin-jobs-col-paused-until = متوقف حتى ({ $zone })
# Circuit breaker states (codes): keep every one in all languages.
admin-jobs-breaker-closed = مغلق
admin-jobs-breaker-open = مفتوح
admin-jobs-breaker-half_open = نصف مفتوح
admin-jobs-messages-heading = الرسائل الأخيرة
admin-jobs-messages-none = لا رسائل بريد أو SMS أو خطافات ويب بعد.
admin-jobs-col-channel = القناة
admin-jobs-col-recipient = المستلم
admin-jobs-schedules-heading = الجداول الدورية
admin-jobs-col-cron = Cron
admin-jobs-col-job-kind = نوع المهمة
admin-jobs-col-last-run = آخر تشغيل

## Webhooks (admin/webhooks.html)
admin-webhooks-heading = خطافات الويب
admin-webhooks-intro-1 = تتلقى الأنظمة الخارجية الأحداث كطلبات POST بصيغة JSON موقّعة بـ HMAC-SHA256: الترويسة
admin-webhooks-intro-2 = على
admin-webhooks-intro-3 = مع
admin-webhooks-intro-4 = هو نفسه في كل إعادة محاولة. يُعاد إرسال التسليمات الفاشلة بتأخير متزايد.
admin-webhooks-issued = سر التوقيع (يُعرض مرة واحدة؛ احفظه لدى المستقبِل):
admin-webhooks-none = لا مشتركين بعد.
admin-webhooks-col-url = الرابط
admin-webhooks-col-events = الأحداث
admin-webhooks-send-test = إرسال حدث تجريبي
admin-webhooks-register-heading = تسجيل مشترك
admin-webhooks-register = تسجيل
admin-webhooks-history-heading = سجل التسليم
admin-webhooks-history-none = لا تسليمات بعد.
admin-webhooks-col-subscriber = المشترك
admin-webhooks-col-http = HTTP
admin-webhooks-error-url-long = الرابط طويل جدًا.
admin-webhooks-error-events = اختر نوع حدث واحدًا على الأقل من القائمة.
admin-webhooks-enabled-flash = خطاف الويب مفعّل.
admin-webhooks-disabled-flash = خطاف الويب معطّل.
admin-webhooks-test-queued = وُضع حدث تجريبي في الطابور.
