# سجل التدقيق: عوامل التصفية وقائمة الأحداث.
# reviewed: false

audit-heading = سجل التدقيق
audit-export = تصدير CSV
audit-filter-user = المستخدم (البريد الإلكتروني)
audit-filter-patient = المريض (الاسم أو رقم الملف الطبي أو المعرّف)
audit-filter-patient-placeholder = اسم العائلة، رقم الملف الطبي…
audit-filter-entity = نوع الكيان
audit-filter-entity-placeholder = patient, user, session…
audit-filter-from = من
audit-filter-from-hint = (اليوم المحلي، { $zone })
audit-filter-to = إلى
audit-filter-to-hint = (ضمنًا)
audit-filter-access = الوصول فقط
audit-filter-access-hint = (عرض، قوائم، تصدير، طباعة)
audit-filter = تصفية
audit-clear = مسح
audit-no-patient = لا يوجد مريض يطابق «{ $query }» بين السجلات التي يمكنك فتحها. جرّب رقم الملف الطبي، أو اسم العائلة وحده.
audit-none = لا أحداث تدقيق تطابق عوامل التصفية هذه.
audit-events = أحداث التدقيق
audit-caption = أحداث التدقيق، الأحدث أولًا
audit-col-time = الوقت ({ $zone })
audit-col-actor = المنفّذ
audit-col-action = الإجراء
audit-col-entity = الكيان
audit-col-patient = المريض
audit-col-changes = التغييرات
audit-col-ip = IP
audit-restricted-record = سجل مقيّد
audit-unknown-record = سجل غير معروف
audit-withheld = محجوب: سجل مقيّد
