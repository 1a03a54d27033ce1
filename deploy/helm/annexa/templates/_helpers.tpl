{{- define "annexa.fullname" -}}
{{ .Release.Name }}-annexa
{{- end -}}

{{- define "annexa.labels" -}}
app.kubernetes.io/name: annexa
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "annexa.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* The environment every Annexa container gets: the ConfigMap, and secrets as files. */}}
{{- define "annexa.env" -}}
- name: ANNEXA_HOME
  value: /var/lib/annexa
- name: ANNEXA_DATABASE_URL_FILE
  value: /run/secrets/annexa/database-url
- name: ANNEXA_REDIS_URL_FILE
  value: /run/secrets/annexa/redis-url
- name: ANNEXA_SECRET_KEY_FILE
  value: /run/secrets/annexa/secret-key
- name: ANNEXA_SIGNING_KEY_PATH
  value: /run/secrets/annexa/ledger.pem
- name: AWS_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ .Values.existingSecret }}
      key: aws-access-key-id
- name: AWS_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .Values.existingSecret }}
      key: aws-secret-access-key
{{- end -}}

{{/* Volumes: a writable ANNEXA_HOME per pod, the secrets, the connector keyring in it. */}}
{{- define "annexa.volumes" -}}
- name: home
  emptyDir: {}
- name: secrets
  secret:
    secretName: {{ .Values.existingSecret }}
    defaultMode: 0440
    # Not migrate-database-url: only the migration job holds the tables' owner.
    items:
      - key: database-url
        path: database-url
      - key: redis-url
        path: redis-url
      - key: secret-key
        path: secret-key
      - key: ledger.pem
        path: ledger.pem
      - key: secrets.key
        path: secrets.key
{{- end -}}

{{- define "annexa.volumeMounts" -}}
- name: home
  mountPath: /var/lib/annexa
- name: secrets
  mountPath: /run/secrets/annexa
  readOnly: true
- name: secrets
  mountPath: /var/lib/annexa/keys/secrets.key
  subPath: secrets.key
  readOnly: true
{{- end -}}

{{- define "annexa.podSecurity" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "annexa.containerSecurity" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop:
    - ALL
{{- end -}}
