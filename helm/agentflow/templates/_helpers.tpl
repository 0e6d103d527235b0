{{/* Names, labels and the environment every AgentFlow container shares. */}}

{{- define "agentflow.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "agentflow.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "agentflow.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "agentflow.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "agentflow.gpuImage" -}}
{{- printf "%s:%s" .Values.image.repository (default (printf "%s-gpu" (default .Chart.AppVersion .Values.image.tag)) .Values.image.gpuTag) -}}
{{- end -}}

{{- define "agentflow.authSecret" -}}
{{- default (printf "%s-auth" (include "agentflow.fullname" .)) .Values.auth.existingSecret -}}
{{- end -}}

{{- define "agentflow.redisUrl" -}}
{{- if .Values.redis.enabled -}}
{{- printf "redis://%s-redis:6379/0" (include "agentflow.fullname" .) -}}
{{- else -}}
{{- required "redis.externalUrl is required when redis.enabled=false" .Values.redis.externalUrl -}}
{{- end -}}
{{- end -}}

{{- define "agentflow.redisHost" -}}
{{- if .Values.redis.enabled -}}
{{- printf "%s-redis:6379" (include "agentflow.fullname" .) -}}
{{- else -}}
{{- required "redis.externalHost is required when redis.enabled=false" .Values.redis.externalHost -}}
{{- end -}}
{{- end -}}

{{- define "agentflow.qdrantUrl" -}}
{{- if .Values.qdrant.enabled -}}
{{- printf "http://%s-qdrant:6333" (include "agentflow.fullname" .) -}}
{{- else -}}
{{- required "qdrant.externalUrl is required when qdrant.enabled=false" .Values.qdrant.externalUrl -}}
{{- end -}}
{{- end -}}

{{- define "agentflow.appId" -}}
{{- printf "agentflow-%s" . -}}
{{- end -}}

{{/* The environment of every AgentFlow container: the distributed profile, the shared stores,
     the sidecar, auth from Secrets (never values). */}}
{{- define "agentflow.env" -}}
- name: AGENTFLOW_PROFILE
  value: distributed
- name: AGENTFLOW_AUTH__ENABLED
  value: "true"
- name: AGENTFLOW_AUTH__SERVICE_TOKEN
  valueFrom:
    secretKeyRef: {name: {{ include "agentflow.authSecret" . }}, key: serviceToken}
- name: AGENTFLOW_AUTH__JWT_SECRET
  valueFrom:
    secretKeyRef: {name: {{ include "agentflow.authSecret" . }}, key: jwtSecret, optional: true}
{{- with .Values.auth.jwtIssuer }}
- name: AGENTFLOW_AUTH__JWT_ISSUER
  value: {{ . | quote }}
{{- end }}
{{- with .Values.auth.jwtAudience }}
- name: AGENTFLOW_AUTH__JWT_AUDIENCE
  value: {{ . | quote }}
{{- end }}
{{- if .Values.auth.jwtPublicKeySecret }}
- name: AGENTFLOW_AUTH__JWT_PUBLIC_KEY_FILE
  value: /etc/agentflow/jwt/public.pem
{{- end }}
- name: AGENTFLOW_AUTH__REQUESTS_PER_MINUTE
  value: {{ .Values.auth.requestsPerMinute | quote }}
{{- if .Values.redis.existingSecret }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef: {name: {{ .Values.redis.existingSecret }}, key: url}
{{- else }}
- name: REDIS_URL
  value: {{ include "agentflow.redisUrl" . | quote }}
{{- end }}
- name: AGENTFLOW_VECTOR__URL
  value: {{ include "agentflow.qdrantUrl" . | quote }}
- name: AGENTFLOW_DAPR__HTTP_ENDPOINT
  value: http://127.0.0.1:3500
- name: AGENTFLOW_DAPR__GRPC_HOST
  value: 127.0.0.1
- name: AGENTFLOW_DAPR__GRPC_PORT
  value: "50001"
{{- with .Values.blob.url }}
- name: AGENTFLOW_BLOB__URL
  value: {{ . | quote }}
{{- end }}
{{- with .Values.blob.endpoint }}
- name: AGENTFLOW_BLOB__ENDPOINT_URL
  value: {{ . | quote }}
{{- end }}
{{- with .Values.blob.region }}
- name: AGENTFLOW_BLOB__REGION
  value: {{ . | quote }}
{{- end }}
{{- with .Values.blob.existingSecret }}
- name: AWS_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef: {name: {{ . }}, key: accessKeyId}
- name: AWS_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef: {name: {{ . }}, key: secretAccessKey}
{{- end }}
- name: AGENTFLOW_INGEST__OCR
  value: {{ .Values.ocr.mode | quote }}
- name: AGENTFLOW_INGEST__OCR_LANGUAGES
  value: {{ .Values.ocr.languages | quote }}
- name: AGENTFLOW_LLM__MCP_URL
  value: {{ printf "http://%s-mcp:8000/mcp" (include "agentflow.fullname" .) | quote }}
{{- with .Values.llm.model }}
- name: AGENTFLOW_LLM__MODEL
  value: {{ . | quote }}
{{- end }}
{{- with .Values.llm.fallbackModels }}
- name: AGENTFLOW_LLM__FALLBACK_MODELS
  value: {{ join "," . | quote }}
{{- end }}
{{- with .Values.llm.baseUrl }}
- name: OPENAI_BASE_URL
  value: {{ . | quote }}
{{- end }}
{{- with .Values.llm.existingSecret }}
- name: OPENAI_API_KEY
  valueFrom:
    secretKeyRef: {name: {{ . }}, key: apiKey}
{{- end }}
- name: AGENTFLOW_LIMITS__MAX_DOCUMENTS
  value: {{ .Values.limits.maxDocuments | quote }}
- name: AGENTFLOW_LIMITS__LLM_TOKENS_PER_DAY
  value: {{ .Values.limits.llmTokensPerDay | quote }}
- name: AGENTFLOW_LIMITS__MAX_CONCURRENT_INGESTIONS
  value: {{ .Values.limits.maxConcurrentIngestions | quote }}
- name: AGENTFLOW_LOG_LEVEL
  value: {{ .Values.telemetry.logLevel | quote }}
{{- with .Values.telemetry.otlpEndpoint }}
- name: AGENTFLOW_TELEMETRY__OTLP_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}
